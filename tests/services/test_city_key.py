import pytest

from arcane.models.properties import city_key


@pytest.mark.parametrize(
    "spelling",
    ["Saint-Étienne", "saint etienne", "SAINT ÉTIENNE", "saint-etienne", "  Saint -- Étienne  ", "SAINT_ETIENNE"],
)
def test_every_spelling_of_a_city_has_the_same_key(spelling):
    assert city_key(spelling) == "saint etienne"


@pytest.mark.parametrize(
    ("city", "key"),
    [
        ("Nîmes", "nimes"),
        ("Besançon", "besancon"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Évry-Courcouronnes", "evry courcouronnes"),
        ("Paris", "paris"),
    ],
)
def test_accents_ligatures_and_apostrophes_fold(city, key):
    assert city_key(city) == key


def test_different_cities_keep_different_keys():
    assert city_key("Saint-Étienne") != city_key("Saint-Étienne-de-Tinée")


def test_punctuation_alone_has_an_empty_key():
    assert city_key(" -- ' ") == ""

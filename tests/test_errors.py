"""Domain errors know nothing of HTTP: one table in arcane.errors maps each of them."""

from arcane import errors


def domain_errors():
    return set(errors.ArcaneError.__subclasses__())


def test_every_domain_error_has_exactly_one_row_in_the_table():
    mapped = [error_type for error_type, _, _ in errors.ERROR_TABLE if issubclass(error_type, errors.ArcaneError)]
    assert sorted(mapped, key=repr) == sorted(domain_errors(), key=repr)


def test_domain_errors_carry_no_http_status():
    for error_type in domain_errors():
        assert not any("status" in name for name in vars(error_type)), error_type

"""MongoDB documents, declared with mongoengine."""

DOCUMENTS = ()

"""The local AWS harness for tests: it is the same one `jobmigrate simulate` uses."""

from jobmigrate.verify.simulate import local_aws, moto_server, published, run_definition, substitute

__all__ = ["local_aws", "moto_server", "published", "run_definition", "substitute"]

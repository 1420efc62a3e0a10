"""File storage backends: a local directory (default) and an S3-compatible object store."""

from citrine_util.storage.local import LocalFileStorage
from citrine_util.storage.s3 import S3FileStorage

__all__ = ["LocalFileStorage", "S3FileStorage"]

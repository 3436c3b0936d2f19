"""Where the official spec files are: ../shared/specs next to the checkout, or next to any folder above it.

A worktree lives one level deeper (/work/wt/<name>) than the main checkout (/work/main), so the contract
tests look upwards instead of at one fixed place; SHARED_SPECS_DIR overrides the search.
"""
import os
from pathlib import Path

from django.conf import settings


def _find_specs() -> Path:
    if os.environ.get("SHARED_SPECS_DIR"):
        return Path(os.environ["SHARED_SPECS_DIR"])
    base = Path(settings.BASE_DIR).resolve()
    for folder in base.parents:
        if (folder / "shared" / "specs").is_dir():
            return folder / "shared" / "specs"
    return base.parent / "shared" / "specs"


SPECS = _find_specs()

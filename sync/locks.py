"""job_lock(name): run a block only if no other worker runs the same job right now."""
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sync.models import JobLock

log = logging.getLogger(__name__)


def acquire(name: str, lease: timedelta) -> str | None:
    """A holder token if the lock was free (or its lease ran out); None if someone holds it."""
    token, now = uuid.uuid4().hex, timezone.now()
    try:
        with transaction.atomic():
            JobLock.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # created by a concurrent caller; fine
    free = Q(holder="") | Q(expires_at__lt=now)
    taken = JobLock.objects.filter(free, name=name).update(holder=token, expires_at=now + lease)
    return token if taken == 1 else None


def release(name: str, token: str) -> None:
    JobLock.objects.filter(name=name, holder=token).update(holder="", expires_at=None)


@contextmanager
def job_lock(name: str, lease: timedelta = timedelta(minutes=30)) -> Iterator[bool]:
    """Yields True when this worker holds the lock, False when the job is already running elsewhere."""
    token = acquire(name, lease)
    if token is None:
        log.info("Skipping %s: it is already running.", name)
        yield False
        return
    try:
        yield True
    finally:
        release(name, token)

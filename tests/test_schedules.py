from django_q.models import Schedule

from sync.locks import job_lock


def schedule_minutes(tenant) -> dict[str, int]:
    return dict(Schedule.objects.filter(name__startswith=f"tenant-{tenant.pk}-").values_list("name", "minutes"))


def test_it_creates_schedules_from_the_tenant_cadences(tenant):
    assert schedule_minutes(tenant) == {f"tenant-{tenant.pk}-poll-orders": 10,
                                        f"tenant-{tenant.pk}-push-catalog": 15,
                                        f"tenant-{tenant.pk}-poll-shipments": 10,
                                        f"tenant-{tenant.pk}-check-webhooks": 60}
    schedule = Schedule.objects.get(name=f"tenant-{tenant.pk}-poll-orders")
    assert (schedule.func, schedule.args, schedule.repeats) == ("sync.jobs.poll_orders_job", repr(tenant.pk), -1)


def test_it_follows_changed_cadences_and_switches(tenant):
    tenant.order_poll_minutes = 3
    tenant.sync_catalog = False
    tenant.sync_shipments = False
    tenant.save()
    assert schedule_minutes(tenant) == {f"tenant-{tenant.pk}-poll-orders": 3,
                                        f"tenant-{tenant.pk}-check-webhooks": 60}


def test_it_removes_schedules_of_an_inactive_or_deleted_tenant(tenant, make_tenant):
    tenant.active = False
    tenant.save()
    assert schedule_minutes(tenant) == {}
    other = make_tenant("other")
    other_pk = other.pk
    other.delete()
    assert not Schedule.objects.filter(name__startswith=f"tenant-{other_pk}-").exists()


def test_it_has_one_global_retry_schedule(db):
    assert Schedule.objects.filter(func="sync.tasks.run_due_records").count() == 1


def test_it_skips_a_job_that_is_already_running(db):
    with job_lock("tenant-1-push-catalog") as outer:
        with job_lock("tenant-1-push-catalog") as inner:
            assert (outer, inner) == (True, False)
        with job_lock("tenant-2-push-catalog") as other_tenant:
            assert other_tenant is True
    with job_lock("tenant-1-push-catalog") as again:
        assert again is True

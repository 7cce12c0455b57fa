"""The scenarios of session 2: deterministic from their seed, distinct per learner, and each incident
class shows the metric signature of ``shared/aws-facts.md`` ("Metric signatures of common failures")
in the simulated data (the replay runs the grader uses, against the healthy on-sale)."""

from __future__ import annotations

import pytest

from stack.simulate import scenarios
from stack.simulate.model import CONSUMERS, FAN_CLUB_QUEUE, PRODUCER, QUEUES, TOPIC, dlq, simulate
from stack.simulate.scenarios import REPLAY_RUNS, Incident

ONSET = 15
BEFORE, AFTER = range(ONSET - 5, ONSET), range(ONSET + 1, ONSET + 11)


def _run(kind: str):
    index = next(i for i, run in enumerate(REPLAY_RUNS) if any(x.kind == kind for x in run))
    incident = next(x for x in REPLAY_RUNS[index] if x.kind == kind)
    assert incident.onset == ONSET
    return scenarios.run(REPLAY_RUNS[index]), incident


def _values(store, namespace, metric, resource, stat="Sum"):
    return [v or 0.0 for v in store.minute_values(namespace, metric, resource, stat)]


def _sum(store, namespace, metric, resource, minutes, stat="Sum"):
    values = _values(store, namespace, metric, resource, stat)
    return sum(values[m] for m in minutes)


def _peak(store, namespace, metric, resource, minutes, stat="Maximum"):
    values = _values(store, namespace, metric, resource, stat)
    return max(values[m] for m in minutes)


# --- determinism ----------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_truth_and_the_same_series():
    seed = scenarios.learner_seed("ada@example.com")
    assert scenarios.mysteries(seed) == scenarios.mysteries(seed)
    config = scenarios.apply(scenarios.lab_config(seed), scenarios.mysteries(seed)[0])
    first, again = simulate(config), simulate(config)
    assert first.series.keys() == again.series.keys()
    assert all(first.series[k] == again.series[k] for k in first.series)


def test_a_different_seed_gives_different_noise():
    a, b = scenarios.healthy(1), scenarios.healthy(2)
    sent = ("AWS/SNS", "NumberOfMessagesPublished", TOPIC)
    assert a.minute_values(*sent) != b.minute_values(*sent)


def test_learner_seeds_give_different_valid_mysteries():
    learners = [f"learner{n:02d}@example.com" for n in range(30)]
    seeds = {scenarios.learner_seed(x) for x in learners}
    assert len(seeds) == len(learners) and scenarios.learner_seed(learners[0]) == scenarios.learner_seed(learners[0])
    mysteries = [scenarios.mysteries(s) for s in seeds]
    assert len(set(mysteries)) == len(mysteries)  # no two learners share a mystery
    assert len({m[0].kind for m in mysteries}) > 3 and len({i.onset for m in mysteries for i in m}) > 10
    for incidents in mysteries:
        assert len({i.kind for i in incidents}) == len(incidents) == 3
        assert len({scenarios.queue_of(i.component) for i in incidents}) == 3
        assert all(i.kind != "producer-publish-denied" and 12 <= i.onset <= 40 for i in incidents)


def test_every_failure_class_is_replayed_once():
    assert sorted(i.kind for i in scenarios.REPLAY_INCIDENTS) == sorted(scenarios.FAILURE_CLASSES)


# --- signatures (aws-facts.md) ----------------------------------------------------------------------------


def test_consumer_throttled_sent_outruns_deleted_age_climbs_throttles_at_the_limit():
    store, incident = _run("consumer-throttled")
    queue, fn = scenarios.queue_of(incident.component), incident.component
    deleted = _values(store, "AWS/SQS", "NumberOfMessagesDeleted", queue)
    assert max(deleted[m] for m in AFTER) <= 600  # one copy: 10 messages per 1 s run, flat whatever arrives
    assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", queue, AFTER) > 1.3 * sum(deleted[m] for m in AFTER)
    visible = _values(store, "AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, "Maximum")
    age = _values(store, "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum")
    assert visible[AFTER[-1]] > visible[AFTER[0]] > 0 and age[AFTER[-1]] > age[AFTER[0]] and age[AFTER[-1]] > 120
    assert _sum(store, "AWS/Lambda", "Throttles", fn, BEFORE) == 0 < _sum(store, "AWS/Lambda", "Throttles", fn, AFTER)
    assert _peak(store, "AWS/Lambda", "ConcurrentExecutions", fn, AFTER) == 1  # reserved concurrency 1


def test_poison_message_received_above_deleted_errors_and_the_dlq_fills():
    store, incident = _run("poison-message")
    queue, fn = incident.component, CONSUMERS[incident.component]
    late = range(ONSET + 1, ONSET + 20)
    assert _sum(store, "AWS/SQS", "NumberOfMessagesReceived", queue, late) > _sum(store, "AWS/SQS", "NumberOfMessagesDeleted", queue, late)
    assert _sum(store, "AWS/Lambda", "Errors", fn, BEFORE) == 0 < _sum(store, "AWS/Lambda", "Errors", fn, AFTER)
    assert _peak(store, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(queue), BEFORE) == 0
    assert _peak(store, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(queue), late) > 0
    assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", dlq(queue), late) == 0  # redrive is not Sent on the DLQ


def test_visibility_timeout_short_received_about_max_receive_count_times_sent_and_the_dlq_fills_at_once():
    """README row: Received several times Sent (up to maxReceiveCount x), Deleted collapses while Errors stay
    near 0, the DLQ fills within a minute or two (a poison message needs maxReceiveCount x the visibility
    timeout); NotVisible is no reliable sign (each receive hides a message for the short timeout only)."""
    store, incident = _run("visibility-timeout-short")
    queue, fn = incident.component, CONSUMERS[incident.component]
    healthy = scenarios.healthy()
    received, sent, deleted = (_sum(store, "AWS/SQS", m, queue, AFTER) for m in
                                ("NumberOfMessagesReceived", "NumberOfMessagesSent", "NumberOfMessagesDeleted"))
    max_receive_count = scenarios.lab_config().consumers[queue].max_receive_count
    assert 0.7 * max_receive_count <= received / sent <= 1.5 * max_receive_count
    assert deleted < 0.05 * sent
    assert _sum(store, "AWS/Lambda", "Errors", fn, AFTER) < 0.01 * _sum(store, "AWS/Lambda", "Invocations", fn, AFTER)
    dlq_depth = _values(store, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(queue), "Maximum")
    assert dlq_depth[ONSET] == 0 < dlq_depth[ONSET + 2]
    assert _peak(store, "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", queue, AFTER) >= \
        _peak(healthy, "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", queue, AFTER)


def test_a_poison_message_reaches_the_dlq_only_after_max_receive_count_visibility_timeouts():
    store, incident = _run("poison-message")
    config = scenarios.lab_config().consumers[incident.component]
    depth = _values(store, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(incident.component), "Maximum")
    first = next(m for m, v in enumerate(depth) if v > 0)
    assert first - ONSET >= config.max_receive_count * config.visibility_timeout_s / 60 - 1


def test_a_throttled_consumer_whose_capacity_stays_above_arrivals_shows_only_in_lambda():
    """README row: Throttles > 0 and ConcurrentExecutions pinned at a lower ceiling; the queue suffers only
    when that capacity falls below the arrival rate (late in the tail, one copy keeps up)."""
    store = scenarios.run((Incident("consumer-throttled", "FanNotifier", 31),))
    late = range(32, 45)
    assert _sum(store, "AWS/Lambda", "Throttles", "FanNotifier", late) > 0
    assert _peak(store, "AWS/Lambda", "ConcurrentExecutions", "FanNotifier", late) == 1
    assert _peak(store, "AWS/SQS", "ApproximateAgeOfOldestMessage", "NotificationQueue", late) < 60
    sent, deleted = (_sum(store, "AWS/SQS", m, "NotificationQueue", late) for m in ("NumberOfMessagesSent", "NumberOfMessagesDeleted"))
    assert deleted == pytest.approx(sent, rel=0.02)


def test_sns_delivery_failure_failed_rises_and_that_queue_alone_goes_flat():
    store, incident = _run("sns-delivery-failure")
    queue = incident.component
    assert _sum(store, "AWS/SNS", "NumberOfNotificationsFailed", TOPIC, BEFORE) == 0
    assert _sum(store, "AWS/SNS", "NumberOfNotificationsFailed", TOPIC, AFTER) > 0
    assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", queue, BEFORE) > 0 == _sum(store, "AWS/SQS", "NumberOfMessagesSent", queue, AFTER)
    for sibling in (q for q in QUEUES if q != queue):
        assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", sibling, AFTER) > 0


def test_filter_policy_typo_filtered_out_rises_and_the_fan_club_queue_receives_nothing():
    store, _ = _run("filter-policy-mismatch")
    healthy = scenarios.healthy()
    filtered = _sum(store, "AWS/SNS", "NumberOfNotificationsFilteredOut", TOPIC, AFTER)
    assert filtered > 1.2 * _sum(healthy, "AWS/SNS", "NumberOfNotificationsFilteredOut", TOPIC, AFTER)
    assert filtered == pytest.approx(_sum(store, "AWS/SNS", "NumberOfMessagesPublished", TOPIC, AFTER), abs=len(AFTER))
    assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", FAN_CLUB_QUEUE, BEFORE) > 0
    assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", FAN_CLUB_QUEUE, AFTER) == 0


def test_downstream_latency_duration_rises_then_the_queue_waits():
    store, incident = _run("downstream-latency")
    fn, queue = incident.component, scenarios.queue_of(incident.component)
    healthy = scenarios.healthy()
    assert _peak(store, "AWS/Lambda", "Duration", fn, AFTER, "Average") > 2 * _peak(healthy, "AWS/Lambda", "Duration", fn, AFTER, "Average")
    assert _peak(store, "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, AFTER) > \
        10 * max(1.0, _peak(healthy, "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, AFTER))


def test_producer_denied_publishes_stop_and_the_producer_errors():
    store, _ = _run("producer-publish-denied")
    published = store.minute_values("AWS/SNS", "NumberOfMessagesPublished", TOPIC)
    assert all(published[m] for m in BEFORE) and not any(published[m] for m in AFTER)  # missing (SNS emits nothing)
    assert _sum(store, "AWS/Lambda", "Errors", PRODUCER, BEFORE) == 0 < _sum(store, "AWS/Lambda", "Errors", PRODUCER, AFTER)
    for queue in QUEUES:
        assert _sum(store, "AWS/SQS", "NumberOfMessagesSent", queue, AFTER) == 0


def test_a_healthy_on_sale_shows_none_of_the_signatures():
    store = scenarios.healthy()
    minutes = range(store.minutes)
    assert _sum(store, "AWS/SNS", "NumberOfNotificationsFailed", TOPIC, minutes) == 0
    for queue, fn in CONSUMERS.items():
        assert _sum(store, "AWS/Lambda", "Errors", fn, minutes) == 0
        assert _sum(store, "AWS/Lambda", "Throttles", fn, minutes) == 0
        assert _peak(store, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(queue), minutes) == 0
        assert _peak(store, "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, minutes) < 60
    assert all(_values(store, "AWS/SQS", "NumberOfMessagesSent", FAN_CLUB_QUEUE)[m] > 0 for m in minutes)


def test_incident_components_accept_the_queue_its_dlq_and_its_function():
    incident = Incident("poison-message", "PaymentProcessingQueue", 20)
    assert incident.accepted == {"PaymentProcessingQueue", "PaymentProcessingQueueDLQ", "PaymentProcessor"}

"""When a consumer loop commits its offsets (rapportkit.consumer.Commits): not after every poll, but
once enough messages or enough time have gathered, so the broker is not asked for a commit per poll
of every group, while what is applied stays committed within a bounded delay and count."""

from __future__ import annotations

from kafka.errors import KafkaConnectionError

from rapportkit.consumer import COMMIT_EVERY_MESSAGES, COMMIT_EVERY_SECONDS, Commits


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_small_polls_are_committed_together_once_enough_messages_gathered() -> None:
    clock, calls = Clock(), []
    commits = Commits(lambda: calls.append(1), clock)
    polls = COMMIT_EVERY_MESSAGES // 10
    for _ in range(polls - 1):
        commits.applied(10)
    assert calls == [] and commits.uncommitted == COMMIT_EVERY_MESSAGES - 10
    commits.applied(10)
    assert calls == [1] and commits.uncommitted == 0


def test_a_large_poll_is_committed_at_once() -> None:
    calls: list[int] = []
    Commits(lambda: calls.append(1), Clock()).applied(COMMIT_EVERY_MESSAGES * 5)
    assert calls == [1]


def test_a_lone_poll_is_committed_after_the_interval_by_the_next_empty_poll() -> None:
    clock, calls = Clock(), []
    commits = Commits(lambda: calls.append(1), clock)
    commits.applied(3)
    clock.now += COMMIT_EVERY_SECONDS / 2
    commits.due()
    assert calls == [], "not yet: the interval counts from the first uncommitted poll"
    clock.now += COMMIT_EVERY_SECONDS / 2
    commits.due()
    assert calls == [1]
    clock.now += COMMIT_EVERY_SECONDS * 10
    commits.due()
    assert calls == [1], "nothing applied since: nothing to commit"


def test_a_failed_commit_is_passed_over_and_the_next_one_covers_its_offsets() -> None:
    clock, calls = Clock(), []

    def commit() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KafkaConnectionError("broker away")

    commits = Commits(commit, clock)
    commits.applied(COMMIT_EVERY_MESSAGES)  # raises inside: logged, not raised to the loop
    commits.applied(COMMIT_EVERY_MESSAGES)
    assert calls == [1, 1]

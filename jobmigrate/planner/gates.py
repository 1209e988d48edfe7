"""Calendar gates: the first states of a root job-net's state machine.

A trigger passes the instant it was scheduled for and the calendars that must be open then.
The gate asks SSM GetCalendarState at that instant (not at the moment the execution happens
to start, so a late start cannot change the day); CLOSED ends the execution as a successful
skip. A start without calendars (by hand, or by a parent) runs at once.
"""

from __future__ import annotations

from jobmigrate import asl

GATE = "CalendarGate"
CHECK = "CheckCalendars"
IS_OPEN = "IsCalendarOpen"
SKIPPED = "SkippedClosedDay"


def gate_states(first_state: str) -> dict[str, asl.State]:
    return {
        GATE: asl.Choice(
            comment="gate only scheduled starts that name calendars",
            choices=[
                {
                    "And": [
                        {"Variable": "$.calendars", "IsPresent": True},
                        {"Variable": "$.scheduled_time", "IsPresent": True},
                    ],
                    "Next": CHECK,
                }
            ],
            default=first_state,
        ),
        CHECK: asl.Task(
            resource=asl.SDK + "ssm:getCalendarState",
            parameters={"CalendarNames.$": "$.calendars", "AtTime.$": "$.scheduled_time"},
            result_selector={"State.$": "$.State"},
            result_path="$.calendar",
            retry=[asl.Retrier(["Ssm.InternalServerErrorException"], 2, 3, 2.0)],
            next=IS_OPEN,
        ),
        IS_OPEN: asl.Choice(
            choices=[{"Variable": "$.calendar.State", "StringEquals": "OPEN", "Next": first_state}],
            default=SKIPPED,
        ),
        SKIPPED: asl.Pass(
            comment="closed day: nothing runs, the execution succeeds",
            result={"status": "SKIPPED", "reason": "Change Calendar CLOSED at the scheduled time"},
            result_path="$.skipped",
        ),
    }

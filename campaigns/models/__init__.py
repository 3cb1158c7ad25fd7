from campaigns.choices import RegistrationStatus, Stage

from .imports import ImportRowOutcome, ImportStatus, StudentImport, StudentImportRow
from .journey import ActionStatus, AppendOnlyError, JourneyEvent, MilestoneReached, ScheduledAction
from .programs import Milestone, ProgramEditor, ProgramPage
from .students import Enrollment, Student, validate_time_zone

__all__ = [
    "ActionStatus",
    "AppendOnlyError",
    "Enrollment",
    "ImportRowOutcome",
    "ImportStatus",
    "JourneyEvent",
    "Milestone",
    "ProgramEditor",
    "MilestoneReached",
    "ProgramPage",
    "RegistrationStatus",
    "ScheduledAction",
    "Stage",
    "Student",
    "StudentImport",
    "StudentImportRow",
    "validate_time_zone",
]

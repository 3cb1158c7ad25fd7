"""The events API's body: ``{"type": ..., "data": {...}}``, one pydantic model per type.

Checked at the door (a 400 names each bad field) with the same rules the services apply later (the
project's address normalisation, name and time-zone checks), so an accepted event fails later only
when the world changed in between (a program unpublished, a student withdrawn).
"""

from decimal import Decimal
from typing import Annotated, Literal, Union

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from campaigns.models import validate_time_zone
from campaigns.names import name_problem
from mailers.services import normalize_address


def _email(value: str) -> str:
    try:
        return normalize_address(value, field="email")
    except DjangoValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None


def _name(value: str) -> str:
    value = " ".join(value.split())
    if problem := name_problem(value):
        raise ValueError(problem)
    return value


def _time_zone(value: str) -> str:
    try:
        validate_time_zone(value)
    except DjangoValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None
    return value


Email = Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_email)]
Name = Annotated[str, StringConstraints(max_length=100), AfterValidator(_name)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[-\w]+$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
OrderId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=3, allow_inf_nan=False)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]


class Strict(BaseModel):
    # A misspelt field ("frist_name") is an error, not silently dropped.
    model_config = ConfigDict(extra="forbid")


class StudentIn(Strict):
    email: Email
    first_name: Name = Field(min_length=1)
    last_name: Name = ""
    timezone: Annotated[str, StringConstraints(max_length=64), AfterValidator(_time_zone)] | None = None
    marketing_consent: bool | None = None


class EnrollmentCreated(Strict):
    student: StudentIn
    program: Slug
    cohort: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    starts_at: AwareDatetime | None = None


class MilestoneReached(Strict):
    email: Email
    program: Slug
    milestone: Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[-\w]+$")]


class ProgramCompleted(Strict):
    email: Email
    program: Slug


class EnrollmentWithdrawn(Strict):
    email: Email
    program: Slug
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class PurchaseCompleted(Strict):
    order_id: OrderId
    email: Email
    program: Slug
    first_name: Name = ""
    ref: Code = ""
    coupon: Code = ""
    # The platform's affiliate field (e.g. Thinkific's affiliate_referral_code), for the adapters.
    affiliate: Code = ""
    amount: Amount | None = None
    currency: Currency = ""


class PurchaseRefunded(Strict):
    order_id: OrderId
    amount: Amount | None = None


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _envelope(type_name: str, data_model: type[BaseModel], class_name: str) -> type[BaseModel]:
    return type(
        class_name,
        (_Envelope,),
        {"__annotations__": {"type": Literal[type_name], "data": data_model}, "__module__": __name__},
    )


DATA_MODELS: dict[str, type[BaseModel]] = {
    "enrollment.created": EnrollmentCreated,
    "milestone.reached": MilestoneReached,
    "program.completed": ProgramCompleted,
    "enrollment.withdrawn": EnrollmentWithdrawn,
    "purchase.completed": PurchaseCompleted,
    "purchase.refunded": PurchaseRefunded,
}
ENVELOPES = tuple(_envelope(name, model, f"{model.__name__}Event") for name, model in DATA_MODELS.items())
Event = Annotated[Union[ENVELOPES], Field(discriminator="type")]  # noqa: UP007 - a Union built from a tuple
EVENT_ADAPTER = TypeAdapter(Event)
EVENT_TYPES = tuple(DATA_MODELS)


def openapi_components() -> tuple[dict, dict]:
    """(the body's schema, the models it refers to) in OpenAPI's ``#/components/schemas`` form."""
    schema = EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
    return {k: v for k, v in schema.items() if k != "$defs"}, schema.get("$defs", {})


def field_errors(exc) -> list[dict]:
    """pydantic's errors as JSON a sender can act on: where, what, and the message."""
    errors = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = list(error["loc"])
        if loc and loc[0] in DATA_MODELS:
            loc = loc[1:]  # the union's tag: the type the sender named, not a field
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ["type"]
        errors.append({"field": ".".join(str(part) for part in loc) or "(body)", "message": error["msg"]})
    return errors

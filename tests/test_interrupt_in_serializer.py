"""A Ctrl-C that lands while pydantic serializes (a ledger entry, a summary) reaches docpipe as a
PydanticSerializationError that names the KeyboardInterrupt; it must end the run as an interrupt
(exit 130, what is committed kept), never as an internal error (exit 3): seen under load in
tests/test_interrupt.py."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, field_serializer
from pydantic_core import PydanticSerializationError

from docpipe.runner import interrupted_inside


class _Interrupted(BaseModel):
    value: int = 1

    @field_serializer("value")
    def _ser(self, value: int) -> int:
        raise KeyboardInterrupt


class _Broken(BaseModel):
    value: int = 1

    @field_serializer("value")
    def _ser(self, value: int) -> int:
        raise ValueError("not serializable")


def _error_of(model: BaseModel) -> BaseException:
    with pytest.raises(BaseException) as caught:
        model.model_dump_json()
    return caught.value


def test_a_ctrl_c_inside_the_serializer_is_recognised_as_an_interrupt() -> None:
    exc = _error_of(_Interrupted())
    assert isinstance(exc, PydanticSerializationError)  # what pydantic-core does with it today
    assert interrupted_inside(exc)


def test_other_serialization_errors_stay_errors() -> None:
    exc = _error_of(_Broken())
    assert not interrupted_inside(exc)
    assert not interrupted_inside(KeyboardInterrupt())  # a plain Ctrl-C is handled where it is raised

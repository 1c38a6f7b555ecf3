"""LlmClient against a scripted backend: mode probing, request content, validation and repair, truncation,
the reply cache, the endpoint-down cooldown, usage accounting, the provider registry and the prompt files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from pydantic import BaseModel, field_validator

import extraction.llm.client as client_mod
from extraction.errors import (
    ConfigError,
    LlmModeError,
    LlmOutputError,
    LlmTruncatedError,
    LlmUnavailableError,
)
from extraction.llm.cache import LlmCache
from extraction.llm.client import Answer, LlmClient
from extraction.llm.prompts import PromptTemplate, load_prompt
from extraction.llm.registry import create, providers
from extraction.llm.schemas import ClaimsOut, ProjectFormOut, json_schema
from extraction.llm.types import MODES, ChatRequest, Mode, Usage
from tests.llm_fakes import FakeBackend, reply

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
SCHEMA_FOR: dict[str, type[BaseModel]] = {"narrative_claims": ClaimsOut, "project_form": ProjectFormOut}

DOC = "2024年度收入总计4,195.37万元，支出总计4,195.37万元。"
CLAIM = {"metric": "收入总计",
         "raw": "4,195.37万元", "claim_kind": "total", "direction": None}
GOOD = {"claims": [CLAIM]}
PROBE_OK = {"ok": True, "word": "yes"}


def demo_prompt(system: str = "只输出 JSON。", version: int = 1, id: str = "demo") -> PromptTemplate:
    return PromptTemplate(id=id, version=version, system=system,
                          user="JSON Schema:\n{schema}\n第 {page} 页。{context}\n<document>\n{document}\n</document>\n",
                          examples=())


def run(client: LlmClient, usage: Usage | None = None, *, prompt: PromptTemplate | None = None,
        document: str = DOC, out: type[BaseModel] = ClaimsOut, limits: dict[str, int] | None = None,
        page: str = "3", context: str = "") -> Answer:
    return client.run(prompt or demo_prompt(), document, out, usage if usage is not None else Usage(),
                      limits=limits, page=page, context=context)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LlmCache]:
    c = LlmCache(tmp_path / "llm_cache.sqlite")
    yield c
    c.close()


# ---------------------------------------------------------------------------------------------------------- modes


def test_fixed_mode_is_used_as_given_without_a_probe() -> None:
    fake = FakeBackend({"tools": [reply(GOOD)]})
    client = LlmClient(fake, mode="tools")
    assert client.current_mode == "tools"
    answer = run(client)
    assert answer.mode == "tools"
    assert fake.modes == ["tools"]
    assert fake.calls[0][0].schema_name == "ClaimsOut"  # the real task, not a probe


@pytest.mark.parametrize("bad_json_object", [reply("当然可以！"), reply({"ok": True})],
                         ids=["not-json", "fails-probe-schema"])
def test_auto_probes_in_order_and_skips_refused_or_invalid_modes(bad_json_object) -> None:  # type: ignore[no-untyped-def]
    fake = FakeBackend({"json_schema": [LlmModeError("response_format json_schema unsupported", "fake")],
                        "json_object": [bad_json_object], "tools": [reply(PROBE_OK)]})
    client = LlmClient(fake, mode="auto")
    assert client.current_mode == ""  # nothing asked yet
    assert client.mode() == "tools"
    assert fake.modes == ["json_schema", "json_object", "tools"]
    assert {r.schema_name for r, _ in fake.calls} == {"probe"}
    assert client.mode() == "tools" and len(fake.calls) == 3  # remembered in memory
    assert client.current_mode == "tools"


def test_auto_stops_at_the_first_mode_that_answers() -> None:
    fake = FakeBackend({"json_schema": [reply(PROBE_OK)], "json_object": [reply(PROBE_OK)]})
    assert LlmClient(fake).mode() == "json_schema"
    assert fake.modes == ["json_schema"]


def test_auto_falls_back_to_prompt_when_every_probe_fails() -> None:
    fake = FakeBackend({m: [LlmModeError(f"{m} refused", "fake")] for m in MODES if m != "prompt"})
    fake.queue("prompt", reply("I cannot do JSON"))
    assert LlmClient(fake).mode() == "prompt"
    assert fake.modes == list(MODES)


def test_probe_is_remembered_in_the_cache_across_clients(tmp_path: Path) -> None:
    path = tmp_path / "llm_cache.sqlite"
    cache = LlmCache(path)
    fake = FakeBackend({"json_schema": [LlmModeError("no", "fake")], "json_object": [reply(PROBE_OK)]})
    assert LlmClient(fake, cache=cache).mode() == "json_object"
    assert cache.probed_mode(fake.endpoint, fake.model) == "json_object"

    fresh = FakeBackend()  # any call on it fails the test
    again = LlmClient(fresh, cache=cache)
    assert again.mode() == "json_object"
    assert fresh.calls == []
    cache.close()

    reopened = LlmCache(path)
    assert LlmClient(fresh, cache=reopened).mode() == "json_object"
    assert fresh.calls == []

    other_model = FakeBackend({"json_schema": [reply(PROBE_OK)]}, endpoint=fake.endpoint, model="other-model")
    assert LlmClient(other_model, cache=reopened).mode() == "json_schema"  # the probe is per (endpoint, model)
    assert other_model.modes == ["json_schema"]
    assert reopened.probed_mode(fake.endpoint, fake.model) == "json_object"
    reopened.close()


def test_a_probe_that_cannot_reach_the_endpoint_is_not_remembered(cache: LlmCache) -> None:
    fake = FakeBackend({"json_schema": [LlmUnavailableError("connection refused", "fake"), reply(PROBE_OK)]})
    client = LlmClient(fake, cache=cache, cooldown_s=0.0)
    with pytest.raises(LlmUnavailableError):
        client.mode()
    assert client.current_mode == ""
    assert cache.probed_mode(fake.endpoint, fake.model) is None
    assert client.mode() == "json_schema"  # probed again once the endpoint is back


def test_fixed_mode_writes_no_probe(cache: LlmCache) -> None:
    fake = FakeBackend({"prompt": [reply(GOOD)]})
    run(LlmClient(fake, mode="prompt", cache=cache))
    assert cache.probed_mode(fake.endpoint, fake.model) is None


# ------------------------------------------------------------------------------------------------ request content


@pytest.mark.parametrize("mode", MODES)
def test_request_carries_system_shots_document_and_limited_schema(mode: Mode) -> None:
    prompt = load_prompt("narrative_claims")
    fake = FakeBackend({mode: [reply(GOOD), reply(GOOD)]})
    client = LlmClient(fake, mode=mode, max_tokens=777)
    run(client, prompt=prompt, limits={"claims": 3}, page="7", context="前文：收入支出决算总体情况")

    (req, sent_mode), = fake.calls
    assert sent_mode == mode
    assert req.system == prompt.system and req.system.startswith("你是政府部门决算公开")
    assert req.schema_name == "ClaimsOut" and req.max_tokens == 777 and req.history == ()
    # the few-shot pair from the YAML: the example input wrapped like a real document, its output as JSON
    assert len(req.shots) == 1
    shot_in, shot_out = req.shots[0]
    assert shot_in.startswith("<document>\n2024年度收入总计4,195.37万元") and shot_in.endswith("\n</document>")
    assert len(ClaimsOut.model_validate_json(shot_out).claims) == 4
    # the user text: the page, the context and the document between the tags
    assert f"<document>\n{DOC}\n</document>" in req.user
    assert "第 7 页。前文：收入支出决算总体情况" in req.user
    # the schema, with the limit applied as maxItems, both in the request and in the prompt text
    assert req.schema["properties"]["claims"]["maxItems"] == 3
    assert req.schema["properties"]["claims"]["items"]["required"] == ["metric", "raw", "claim_kind"]
    schema_line = req.user.split("JSON Schema:\n", 1)[1].split("\n", 1)[0]
    assert json.loads(schema_line) == req.schema

    run(client, prompt=prompt, page="7")  # a limit applies to one call only
    assert fake.calls[1][0].schema["properties"]["claims"]["maxItems"] == 60


def test_project_form_request_limits_indicators() -> None:
    prompt = load_prompt("project_form")
    fake = FakeBackend({"json_schema": [reply({"project_name": "单位自有资金专项经费"})]})
    answer = run(LlmClient(fake, mode="json_schema"), prompt=prompt, out=ProjectFormOut, document="项目名称 | 单位自有资金专项经费",
                 limits={"indicators": 2})
    assert isinstance(answer.value, ProjectFormOut) and answer.value.project_name == "单位自有资金专项经费"
    req = fake.calls[0][0]
    assert req.schema_name == "ProjectFormOut"
    assert req.schema["properties"]["indicators"]["maxItems"] == 2
    assert "$defs" not in json.dumps(req.schema)  # inlined for llama.cpp's grammar converter
    assert req.shots[0][0].startswith("<document>\n2024年度项目支出绩效自评表")
    assert "<document>\n项目名称 | 单位自有资金专项经费\n</document>" in req.user


# ------------------------------------------------------------------------------------------- validation and repair


@pytest.mark.parametrize(("bad", "error"), [
    ("抱歉，我无法完成。", "the reply contains no JSON object"),
    ('{"claims": [{"sentence": "x"', "the reply contains no JSON object"),
    ('{"claims": [{"raw": "x"}]}', "claims.0.metric: Field required"),
    ('{"claims": [], "total": "1"}', "total: Extra inputs are not permitted"),
    ('{"claims": []} {"claims": []}', "the reply is not valid JSON"),  # one object, nothing more
], ids=["prose", "cut-json", "missing-field", "extra-field", "two-objects"])
def test_invalid_reply_is_repaired_once(bad: str, error: str) -> None:
    fake = FakeBackend({"json_schema": [reply(bad), reply(GOOD)]})
    usage = Usage()
    answer = run(LlmClient(fake, mode="json_schema"), usage)
    assert answer.repaired is True
    assert answer.value == ClaimsOut.model_validate(GOOD)
    first, second = (r for r, _ in fake.calls)
    assert first.history == ()
    (role1, text1), (role2, text2) = second.history
    assert (role1, text1) == ("assistant", bad)
    assert role2 == "user" and error in text2 and "JSON Schema" in text2
    assert (second.system, second.user, second.schema, second.shots) == (first.system, first.user, first.schema,
                                                                       first.shots)
    assert usage.calls == 2 and usage.by_task == {"demo": 2}


def test_two_invalid_replies_are_an_output_error(cache: LlmCache) -> None:
    fake = FakeBackend({"json_schema": [reply("no"), reply('{"claims": "many"}')]})
    with pytest.raises(LlmOutputError) as info:
        run(LlmClient(fake, mode="json_schema", cache=cache, repair_retries=1), prompt=demo_prompt(id="narrative_claims"))
    err = info.value
    assert type(err) is LlmOutputError and err.code == "llm_invalid_output" and err.provider == "fake"
    assert "narrative_claims" in str(err) and "1 repair attempt" in str(err)
    assert "claims: Input should be a valid list" in str(err)  # the last error, not the first
    assert len(fake.calls) == 2
    assert cache.count() == 0  # a bad answer is never stored


def test_no_repair_when_retries_are_zero() -> None:
    fake = FakeBackend({"json_schema": [reply("no"), reply(GOOD)]})
    with pytest.raises(LlmOutputError, match="0 repair attempt"):
        run(LlmClient(fake, mode="json_schema", repair_retries=0))
    assert len(fake.calls) == 1 and fake.left("json_schema") == 1


@pytest.mark.parametrize("wrap", [
    "```json\n{}\n```",
    "```\n{}\n```",
    "以下是结果：\n{}\n以上。",
    "Here is the JSON:\n```json\n{}\n```\nDone.",
], ids=["json-fence", "bare-fence", "prose", "prose-and-fence"])
def test_prose_or_fence_around_one_object_is_accepted(wrap: str) -> None:
    fake = FakeBackend({"prompt": [reply(wrap.replace("{}", json.dumps(GOOD, ensure_ascii=False)))]})
    answer = run(LlmClient(fake, mode="prompt"))
    assert answer.repaired is False and answer.value == ClaimsOut.model_validate(GOOD)
    assert len(fake.calls) == 1


# ---------------------------------------------------------------------------------------------------- truncation


def test_truncated_reply_is_an_error_not_a_repair_and_not_cached(cache: LlmCache) -> None:
    fake = FakeBackend({"json_schema": [reply('{"claims": [{"sentence": "2024', finish_reason="length",
                                              completion_tokens=64), reply(GOOD)]})
    usage = Usage()
    with pytest.raises(LlmTruncatedError) as info:
        run(LlmClient(fake, mode="json_schema", cache=cache, max_tokens=64), usage)
    assert info.value.code == "llm_truncated"
    assert "demo" in str(info.value) and "max_tokens (64)" in str(info.value)
    assert len(fake.calls) == 1 and fake.left("json_schema") == 1  # the good reply was never asked for
    assert cache.count() == 0
    assert usage.calls == 1 and usage.completion_tokens == 64  # the call still cost tokens


def test_even_valid_json_cut_at_length_is_refused() -> None:
    fake = FakeBackend({"json_schema": [reply(GOOD, finish_reason="length")]})
    with pytest.raises(LlmTruncatedError):
        run(LlmClient(fake, mode="json_schema"))


def test_truncation_on_the_repair_attempt_is_still_truncation() -> None:
    fake = FakeBackend({"json_schema": [reply("nope"), reply('{"claims": [', finish_reason="length")]})
    with pytest.raises(LlmTruncatedError):
        run(LlmClient(fake, mode="json_schema"))
    assert len(fake.calls) == 2


# --------------------------------------------------------------------------------------------------------- cache


def test_second_identical_run_is_a_cache_hit(cache: LlmCache) -> None:
    fake = FakeBackend({"json_schema": [reply("好的：" + json.dumps(GOOD, ensure_ascii=False), prompt_tokens=120,
                                              completion_tokens=40, latency_s=0.5)]})
    client = LlmClient(fake, mode="json_schema", cache=cache)
    usage = Usage()
    first = run(client, usage)
    assert len(fake.calls) == 1 and cache.count() == 1 and first.reply.cached is False

    second = run(client, usage)
    assert len(fake.calls) == 1  # no call at all
    assert second.reply.cached is True and second.value == first.value and second.mode == "json_schema"
    assert second.reply.text == first.value.model_dump_json()  # stored normalised, without the prose
    assert (second.reply.prompt_tokens, second.reply.completion_tokens) == (120, 40)
    assert usage.calls == 1 and usage.cache_hits == 1
    assert usage.prompt_tokens == 120 and usage.completion_tokens == 40  # a hit costs no tokens
    assert usage.by_task == {"demo": 2}


def _other_prompt_text(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(), mode="json_schema", cache=cache), {"prompt": demo_prompt(system="只输出 JSON！")}


def _other_model(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(model="bigger-model"), mode="json_schema", cache=cache), {}


def _other_endpoint(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(endpoint="http://elsewhere.test/v1"), mode="json_schema", cache=cache), {}


def _other_mode(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(), mode="tools", cache=cache), {}


def _other_document(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(), mode="json_schema", cache=cache), {"document": DOC.replace("4,195.37", "4,195.38")}


def _other_page(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(), mode="json_schema", cache=cache), {"page": "4"}


def _other_limit(cache: LlmCache) -> tuple[LlmClient, dict[str, object]]:
    return LlmClient(FakeBackend(), mode="json_schema", cache=cache), {"limits": {"claims": 5}}


@pytest.mark.parametrize("change", [_other_prompt_text, _other_model, _other_endpoint, _other_mode, _other_document,
                                    _other_page, _other_limit],
                         ids=["prompt-hash", "model", "endpoint", "mode", "document", "page", "limits"])
def test_cache_misses_when_anything_that_shapes_the_answer_changes(
        cache: LlmCache, change: Callable[[LlmCache], tuple[LlmClient, dict[str, object]]]) -> None:
    run(LlmClient(FakeBackend({"json_schema": [reply(GOOD)]}), mode="json_schema", cache=cache))
    assert cache.count() == 1
    client, kwargs = change(cache)
    fake = client.backend
    assert isinstance(fake, FakeBackend)
    fake.queue(client.mode(), reply({"claims": []}))
    answer = run(client, **kwargs)  # type: ignore[arg-type]
    assert len(fake.calls) == 1 and answer.reply.cached is False and answer.value == ClaimsOut(claims=[])
    assert cache.count() == 2


def test_prompt_hash_tracks_the_text_and_not_the_version() -> None:
    """The hash covers the text only; the ref (id@version:hash) adds the version."""
    assert demo_prompt(version=1).hash == demo_prompt(version=2).hash
    assert demo_prompt(version=1).ref != demo_prompt(version=2).ref
    assert demo_prompt(system="a").hash != demo_prompt(system="b").hash


def test_a_version_bump_alone_misses_the_cache(cache: LlmCache) -> None:
    """The cache key holds the prompt ref: bumping a prompt's version re-asks even with unchanged text."""
    fake = FakeBackend({"json_schema": [reply({"claims": []}), reply({"claims": []})]})
    client = LlmClient(fake, mode="json_schema", cache=cache)
    run(client, prompt=demo_prompt(version=1))
    run(client, prompt=demo_prompt(version=1))
    assert len(fake.calls) == 1
    run(client, prompt=demo_prompt(version=2))
    assert len(fake.calls) == 2


class Loose(BaseModel):
    word: str


class Strict(BaseModel):
    word: str

    @field_validator("word")
    @classmethod
    def _upper(cls, v: str) -> str:
        if v != v.upper():
            raise ValueError("must be upper case")
        return v


def test_cached_reply_that_no_longer_validates_is_asked_again(cache: LlmCache) -> None:
    assert json_schema(Loose) == json_schema(Strict)  # same prompt text and key, stricter validation
    fake = FakeBackend({"json_schema": [reply({"word": "yes"}), reply({"word": "YES"})]})
    client = LlmClient(fake, mode="json_schema", cache=cache)
    assert run(client, out=Loose).value == Loose(word="yes")

    usage = Usage()
    fresh = run(client, usage, out=Strict)
    assert fresh.value == Strict(word="YES") and fresh.reply.cached is False
    assert len(fake.calls) == 2 and usage.calls == 1 and usage.cache_hits == 0

    again = run(client, out=Strict)  # the re-asked answer replaced the stale one
    assert again.reply.cached is True and again.value == Strict(word="YES") and len(fake.calls) == 2
    assert cache.count() == 1


def test_cache_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "llm_cache.sqlite"
    cache = LlmCache(path)
    run(LlmClient(FakeBackend({"json_object": [reply(GOOD)]}), mode="json_object", cache=cache))
    cache.close()

    reopened = LlmCache(path)
    fake = FakeBackend()  # nothing scripted: any call fails the test
    answer = run(LlmClient(fake, mode="json_object", cache=reopened))
    assert fake.calls == [] and answer.reply.cached is True and answer.value == ClaimsOut.model_validate(GOOD)
    assert reopened.count() == 1
    reopened.close()


def test_without_a_cache_every_run_calls() -> None:
    fake = FakeBackend({"json_schema": [reply(GOOD), reply(GOOD)]})
    client = LlmClient(fake, mode="json_schema", cache=None)
    run(client)
    run(client)
    assert len(fake.calls) == 2


# -------------------------------------------------------------------------------------------------- endpoint down


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


def test_endpoint_down_fails_fast_within_the_cooldown(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(client_mod, "time", SimpleNamespace(monotonic=clock.monotonic))
    fake = FakeBackend({"json_schema": [LlmUnavailableError("cannot reach http://fake.test/v1", "fake"), reply(GOOD)]})
    client = LlmClient(fake, mode="json_schema", cooldown_s=30.0)

    with pytest.raises(LlmUnavailableError) as first:
        run(client)
    assert first.value.code == "llm_unavailable" and len(fake.calls) == 1

    clock.now += 29.9
    with pytest.raises(LlmUnavailableError) as fast:
        run(client)
    assert len(fake.calls) == 1  # the backend was not asked again
    assert fast.value.provider == "fake"
    assert str(fast.value) == str(first.value)  # the same reason, its provider named once

    clock.now += 0.2  # the cooldown is over
    assert run(client).value == ClaimsOut.model_validate(GOOD)
    assert len(fake.calls) == 2


def test_zero_cooldown_calls_again_at_once() -> None:
    fake = FakeBackend({"json_schema": [LlmUnavailableError("refused", "fake"), reply(GOOD)]})
    client = LlmClient(fake, mode="json_schema", cooldown_s=0.0)
    with pytest.raises(LlmUnavailableError):
        run(client)
    assert run(client).repaired is False
    assert len(fake.calls) == 2


def test_a_refused_mode_does_not_mark_the_endpoint_down() -> None:
    fake = FakeBackend({"json_schema": [LlmModeError("json_schema unsupported", "fake"), reply(GOOD)]})
    client = LlmClient(fake, mode="json_schema", cooldown_s=3600.0)
    with pytest.raises(LlmModeError):
        run(client)
    assert run(client).value == ClaimsOut.model_validate(GOOD)
    assert len(fake.calls) == 2


# ---------------------------------------------------------------------------------------------------------- usage


def test_usage_adds_up_calls_hits_tokens_and_tasks(cache: LlmCache) -> None:
    fake = FakeBackend({"json_schema": [
        reply(GOOD, prompt_tokens=100, completion_tokens=50, latency_s=0.5),
        reply("broken", prompt_tokens=10, completion_tokens=5, latency_s=0.25),
        reply({"project_name": "x"}, prompt_tokens=200, completion_tokens=25, latency_s=0.25),
    ]})
    client = LlmClient(fake, mode="json_schema", cache=cache)
    usage = Usage()
    run(client, usage, prompt=demo_prompt(id="narrative_claims"))
    run(client, usage, prompt=demo_prompt(id="project_form"), out=ProjectFormOut)  # repaired: two calls
    run(client, usage, prompt=demo_prompt(id="narrative_claims"))  # cache hit

    assert usage.calls == 3 and usage.cache_hits == 1 and usage.errors == 0
    assert (usage.prompt_tokens, usage.completion_tokens) == (310, 80)
    assert usage.latency_s == pytest.approx(1.0)
    assert usage.tokens_per_s == pytest.approx(80.0)
    assert usage.by_task == {"narrative_claims": 2, "project_form": 2}
    assert usage.as_dict() == {"calls": 3, "cache_hits": 1, "prompt_tokens": 310, "completion_tokens": 80,
                               "latency_s": 1.0, "tokens_per_s": 80.0, "errors": 0,
                               "by_task": {"narrative_claims": 2, "project_form": 2}}

    total = Usage(calls=1, completion_tokens=20, latency_s=1.0, errors=2, by_task={"project_form": 1})
    total.merge(usage)
    assert (total.calls, total.cache_hits, total.completion_tokens, total.errors) == (4, 1, 100, 2)
    assert total.by_task == {"project_form": 3, "narrative_claims": 2}
    assert total.tokens_per_s == pytest.approx(50.0)
    assert Usage().tokens_per_s == 0.0  # no division by zero


def test_probe_calls_are_not_billed_to_a_task() -> None:
    fake = FakeBackend({"json_schema": [reply(PROBE_OK, completion_tokens=9), reply(GOOD, completion_tokens=30)]})
    usage = Usage()
    run(LlmClient(fake), usage)
    assert len(fake.calls) == 2 and usage.calls == 1 and usage.completion_tokens == 30


# ------------------------------------------------------------------------------------------------------- registry


def test_registry_creates_the_fake() -> None:
    backend = create("fake", base_url="http://127.0.0.1:9/v1", model="tiny", api_key=None, timeout_s=1.0)
    assert isinstance(backend, FakeBackend)
    assert (backend.provider, backend.endpoint, backend.model) == ("fake", "http://127.0.0.1:9/v1", "tiny")
    assert "fake" in providers() and "openai" in providers()


def test_unknown_provider_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        create("nope", base_url="http://x/v1", model="m")
    assert info.value.code == "config_error"
    assert "'nope'" in str(info.value)
    known = str(info.value).split("known: ", 1)[1]
    assert {"fake", "openai"} <= set(known.split(", "))


def test_settings_select_the_fake_provider(tmp_path: Path) -> None:
    from budgetlens.llm_setup import make_client
    from budgetlens.settings import Settings

    settings = Settings(data_dir=tmp_path, llm_provider="fake", llm_base_url="http://fake.local/v1",
                        llm_model="m1", llm_mode="json_object", llm_max_tokens=333)
    client = make_client(settings, script={"json_object": [reply(GOOD)]})
    assert isinstance(client.backend, FakeBackend) and client.provider == "fake"
    assert client.current_mode == "json_object" and client.max_tokens == 333 and client.cache is not None
    assert run(client).value == ClaimsOut.model_validate(GOOD)
    assert client.backend.calls[0][0].max_tokens == 333
    client.cache.close()


# -------------------------------------------------------------------------------------------------------- prompts


PROMPT_FILES = sorted(PROMPTS_DIR.glob("*.yaml"))


def test_there_are_prompt_files_and_each_has_a_schema() -> None:
    assert {p.stem for p in PROMPT_FILES} == set(SCHEMA_FOR)


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda p: p.stem)
def test_prompt_file_loads_with_placeholders_and_valid_examples(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"id", "version", "system", "user"} <= set(raw)
    prompt = load_prompt(path.stem)
    assert prompt.id == path.stem == raw["id"]
    assert isinstance(prompt.version, int) and prompt.version >= 1
    assert prompt.system.strip() and "<document>" in prompt.system
    for name in ("schema", "page", "context", "document"):
        assert "{" + name + "}" in prompt.user
    rendered = prompt.render(schema="S", page="1", context="C", document="D")
    assert "<document>\nD\n</document>" in rendered and "{" not in rendered

    out = SCHEMA_FOR[prompt.id]
    assert prompt.examples, "each prompt carries at least one few-shot example"
    for example_in, example_out in prompt.examples:
        assert example_in.strip()
        value = out.model_validate_json(example_out)
        assert value.model_dump(exclude_defaults=True)  # not an empty answer
    assert re.fullmatch(rf"{prompt.id}@{prompt.version}:[0-9a-f]{{12}}", prompt.ref)


def test_prompt_ref_is_id_version_hash_and_follows_the_text() -> None:
    base = demo_prompt(system="规则一", version=3, id="demo")
    assert re.fullmatch(r"demo@3:[0-9a-f]{12}", base.ref)
    assert base.ref == demo_prompt(system="规则一", version=3, id="demo").ref  # deterministic
    assert demo_prompt(system="规则二", version=3).ref != base.ref
    assert PromptTemplate("demo", 3, base.system, base.user + " ", ()).ref != base.ref
    assert PromptTemplate("demo", 3, base.system, base.user, (("in", "{}"),)).ref != base.ref
    assert demo_prompt(system="规则一", version=4).ref == base.ref.replace("@3:", "@4:")


def test_prompt_render_and_load_errors_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="no value for placeholder 'document'"):
        demo_prompt().render(schema="S", page="1", context="")
    with pytest.raises(ConfigError, match="no prompt template prompts/missing_prompt.yaml"):
        load_prompt("missing_prompt")


def test_request_type_is_frozen() -> None:
    req = ChatRequest(system="s", user="u", schema={}, schema_name="X")
    with pytest.raises(AttributeError):
        req.user = "other"  # type: ignore[misc]

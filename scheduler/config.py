"""Scheduling profiles from a KubeSchedulerConfiguration-like YAML file (`--config`)::

    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    percentageOfNodesToScore: 0          # 0: adaptive (50% − nodes/125, at least 5%)
    profiles:
    - schedulerName: default-scheduler
      plugins:
        filter:     {disabled: [{name: NodePorts}]}
        score:      {enabled: [{name: NodeResourcesFit, weight: 5}], disabled: [{name: "*"}]}
        postFilter: {disabled: [{name: DefaultPreemption}]}
      pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}
    - schedulerName: bin-packer
      ...

Each profile starts from the defaults; `disabled` removes plugins (`*` removes all),
`enabled` adds or re-weights. One plugin instance is shared by every extension point of
its profile. Errors are `ConfigError` with a message naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .framework import (
    FilterPlugin,
    PreFilterPlugin,
    PreScorePlugin,
    Profile,
    ScorePlugin,
)
from .plugins import DEFAULT_FILTERS, DEFAULT_PREEMPTION, DEFAULT_SCORES, REGISTRY

DEFAULT_SCHEDULER_NAME = "default-scheduler"


class ConfigError(ValueError):
    pass


@dataclass
class SchedulerConfig:
    profiles: dict[str, Profile] = field(default_factory=dict)
    percentage_of_nodes_to_score: int = 0


def _names(block: Any, where: str) -> list[dict[str, Any]]:
    if block is None:
        return []
    if not isinstance(block, list):
        raise ConfigError(f"{where} must be a list of {{name: …}}")
    out = []
    for i, item in enumerate(block):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f"{where}[{i}].name is required")
        out.append(item)
    return out


def _apply(
    defaults: list[tuple[str, int]], section: Any, where: str, allowed: set[str]
) -> list[tuple[str, int]]:
    section = section or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must be a mapping with enabled/disabled")
    current = list(defaults)
    for item in _names(section.get("disabled"), f"{where}.disabled"):
        drop = item["name"]
        current = [(n, w) for n, w in current if drop not in ("*", n)]
    for item in _names(section.get("enabled"), f"{where}.enabled"):
        name = item["name"]
        if name not in allowed:
            raise ConfigError(f"{where}.enabled: unknown plugin {name!r}")
        weight = item.get("weight", 1)
        if not isinstance(weight, int) or weight < 0:
            raise ConfigError(f"{where}.enabled[{name}].weight must be a non-negative integer")
        current = [(n, w) for n, w in current if n != name] + [(name, weight)]
    return current


def build_profile(raw: dict[str, Any], percentage: int) -> Profile:
    name = raw.get("schedulerName") or DEFAULT_SCHEDULER_NAME
    plugins = raw.get("plugins") or {}
    if not isinstance(plugins, dict):
        raise ConfigError(f"profile {name}: plugins must be a mapping")
    args: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(_names(raw.get("pluginConfig"), f"profile {name}: pluginConfig")):
        if item["name"] not in REGISTRY:
            raise ConfigError(f"profile {name}: pluginConfig[{i}]: unknown plugin {item['name']!r}")
        args[item["name"]] = item.get("args") or {}
    where = f"profile {name}: plugins"
    filters = _apply(
        [(f, 0) for f in DEFAULT_FILTERS], plugins.get("filter"), f"{where}.filter", set(REGISTRY)
    )
    scores = _apply(DEFAULT_SCORES, plugins.get("score"), f"{where}.score", set(REGISTRY))
    post = _apply(
        [(DEFAULT_PREEMPTION, 0)],
        plugins.get("postFilter"),
        f"{where}.postFilter",
        {DEFAULT_PREEMPTION},
    )
    instances: dict[str, Any] = {}

    def instance(plugin: str) -> Any:
        if plugin not in instances:
            try:
                instances[plugin] = REGISTRY[plugin](args.get(plugin, {}))
            except ValueError as e:
                raise ConfigError(f"profile {name}: {e}") from None
        return instances[plugin]

    profile = Profile(
        scheduler_name=name, preemption=bool(post), percentage_of_nodes_to_score=percentage
    )
    for plugin, _ in filters:
        obj = instance(plugin)
        if not isinstance(obj, FilterPlugin):
            raise ConfigError(f"{where}.filter: {plugin} is not a filter plugin")
        profile.filters.append(obj)
        if isinstance(obj, PreFilterPlugin):
            profile.pre_filters.append(obj)
    for plugin, weight in scores:
        obj = instance(plugin)
        if not isinstance(obj, ScorePlugin):
            raise ConfigError(f"{where}.score: {plugin} is not a score plugin")
        profile.scores.append((obj, weight))
        if isinstance(obj, PreScorePlugin):
            profile.pre_scores.append(obj)
    return profile


def default_config() -> SchedulerConfig:
    return parse({})


def parse(doc: Any) -> SchedulerConfig:
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError("the scheduler configuration must be a YAML mapping")
    percentage = doc.get("percentageOfNodesToScore") or 0
    if not isinstance(percentage, int) or not 0 <= percentage <= 100:
        raise ConfigError("percentageOfNodesToScore must be an integer from 0 to 100")
    raw_profiles = doc.get("profiles") or [{}]
    if not isinstance(raw_profiles, list):
        raise ConfigError("profiles must be a list")
    config = SchedulerConfig(percentage_of_nodes_to_score=percentage)
    for raw in raw_profiles:
        if not isinstance(raw, dict):
            raise ConfigError("each profile must be a mapping")
        profile = build_profile(raw, percentage)
        if profile.scheduler_name in config.profiles:
            raise ConfigError(f"duplicate profile for schedulerName {profile.scheduler_name!r}")
        config.profiles[profile.scheduler_name] = profile
    return config


def load(path: str) -> SchedulerConfig:
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise ConfigError(f"cannot read scheduler config {path}: {e.strerror or e}") from None
    try:
        return parse(yaml.safe_load(text))
    except yaml.YAMLError as e:
        raise ConfigError(f"scheduler config {path} is not valid YAML: {e}") from None

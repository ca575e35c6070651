from scheduler.main import HEALTH_PORT, build_parser


def test_flags_and_defaults() -> None:
    args = build_parser().parse_args([])
    assert args.healthz_port == HEALTH_PORT == 10259
    assert args.leader_elect is True and args.scheduled_events is True
    assert args.parallelism == 64 and args.config is None
    args = build_parser().parse_args(
        ["--leader-elect=false", "--scheduled-events", "false", "--config", "x.yaml"]
    )
    assert args.leader_elect is False and args.scheduled_events is False
    assert args.config == "x.yaml"

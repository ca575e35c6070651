# minik8s: `make up` runs a one-machine cluster, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install up down status test unit integration lint fmt bench clean
.PHONY: proto proto-check images registry bench-cri

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

up: install
	$(PY) -m minik8s.cluster.local up

down:
	@if [ -x $(PY) ]; then $(PY) -m minik8s.cluster.local down; fi

status: install
	$(PY) -m minik8s.cluster.local status

test: install
	$(PY) -m pytest -q

unit: install
	$(PY) -m pytest -q tests/unit

integration: install
	$(PY) -m pytest -q tests/integration

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/api_throughput.py

# CRI stubs: minik8s/cri/cri_pb2{,_grpc}.py(i) from proto/cri.proto; `proto-check` fails when
# the committed stubs are stale. The sed makes the generated grpc import package-relative.
PROTO_OUT ?= minik8s/cri
proto: install
	$(PY) -m grpc_tools.protoc -Iproto --python_out=$(PROTO_OUT) --pyi_out=$(PROTO_OUT) \
		--grpc_python_out=$(PROTO_OUT) proto/cri.proto
	sed -i 's/^import cri_pb2 as cri__pb2$$/from . import cri_pb2 as cri__pb2/' \
		$(PROTO_OUT)/cri_pb2_grpc.py

proto-check: install
	@tmp=$$(mktemp -d) && $(MAKE) -s --no-print-directory proto PROTO_OUT=$$tmp && \
	for f in cri_pb2.py cri_pb2.pyi cri_pb2_grpc.py; do \
		diff -q $$tmp/$$f minik8s/cri/$$f >/dev/null || \
		{ echo "minik8s/cri/$$f is stale: run make proto"; rm -rf $$tmp; exit 1; }; \
	done; rm -rf $$tmp; echo "CRI stubs are up to date"

# Offline images (minik8s/pause, busybox, shell, httpd:latest, httpd:v2) from busybox-static;
# `registry` also serves Debian's docker-registry on 127.0.0.1:5000 and pushes them there.
images:
	bash deploy/images/build.sh

registry:
	bash deploy/images/build.sh --push

bench-cri: install images
	$(PY) bench/cri_startup.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

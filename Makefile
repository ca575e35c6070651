# minik8s: `make up` runs a one-machine cluster, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
STATE ?= .minik8s

.PHONY: install up down status test unit integration lint fmt bench clean
.PHONY: proto proto-check images registry bench-cri compose-images compose-up compose-down
.PHONY: lab lab-down e2e

install: $(STAMP)

$(STAMP): pyproject.toml
	@python3 -c 'import ensurepip' 2>/dev/null || { test "$$(id -u)" = 0 && \
		echo "installing python3-venv (apt-get)" && apt-get update -qq && \
		apt-get install -y -qq python3-venv >/dev/null; } || \
		{ echo "error: python3-venv is missing: run as root or apt-get install python3-venv" >&2; \
		exit 1; }
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

# `make up` installs what is missing (as root), starts dockerd if needed, builds the offline
# images, runs every daemon under a supervisor and waits for the node (see README).
up: install
	$(PY) -m minik8s.cluster.local up --state-dir $(STATE)

down:
	@if [ -x $(PY) ]; then $(PY) -m minik8s.cluster.local down --state-dir $(STATE); fi

# The processes (pidfiles) and then every component's health through the API server.
status: install
	@$(PY) -m minik8s.cluster.local status --state-dir $(STATE); \
	$(VENV)/bin/mkctl --kubeconfig $${MINIK8S_KUBECONFIG:-$$HOME/.minik8s/config} cluster status

test: install
	$(PY) -m pytest -q

unit: install
	$(PY) -m pytest -q tests/unit

integration: install
	$(PY) -m pytest -q tests/integration

# The multi-node lab (root): NODES worker nodes in network namespaces; state in ~/.minik8s/lab.
NODES ?= 3
lab: install
	$(VENV)/bin/mkctl lab up --nodes $(NODES)

lab-down:
	@if [ -x $(VENV)/bin/mkctl ]; then $(VENV)/bin/mkctl lab down; fi

e2e: install
	$(PY) -m pytest -q tests/e2e

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

# Offline images (minik8s/pause, busybox, shell, httpd:latest, httpd:v2) from busybox-static,
# and minik8s/dns (mk-dns on the venv's Python, deploy/images/pyimage.py); `registry` also
# serves Debian's docker-registry on 127.0.0.1:5000 and pushes them there.
images: install
	PYTHON=$(PY) bash deploy/images/build.sh

registry: install
	PYTHON=$(PY) bash deploy/images/build.sh --push

bench-cri: install images
	$(PY) bench/cri_startup.py

# The docker-compose lab (deploy/compose): `compose-images` builds minik8s/minik8s:latest on
# the debootstrap base (no registry; COMPOSE_BUILD_FLAGS= builds on python:3.11-slim instead).
COMPOSE ?= docker-compose -f deploy/compose/docker-compose.yml
COMPOSE_BUILD_FLAGS ?= --offline
compose-images: install
	bash deploy/images/build-compose.sh $(COMPOSE_BUILD_FLAGS)

compose-up: compose-images
	$(COMPOSE) up -d
	@echo "kubectl --kubeconfig deploy/compose/kubeconfig get nodes -o wide   (Ready in ~30 s)"

compose-down:
	$(COMPOSE) down -v

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

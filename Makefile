# Development entry points for aifactory.infra. `make help` lists the targets.
#
# Every target runs tools from .venv (created by `make venv`), with ansible.cfg of this
# repository. Nothing here reaches the network except pip installing from PyPI.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

REPO := $(CURDIR)
VENV := $(REPO)/.venv

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(REPO)/ansible.cfg
# ansible-lint would otherwise download fresh JSON schemas on every run.
export ANSIBLE_LINT_SKIP_SCHEMA_UPDATE := 1
# The lab's kube-apiserver and etcd are built from source once (about 8 minutes on two
# cores) and cached outside the checkout, so fresh clones on the same machine reuse them.
export AIFACTORY_LAB_CACHE ?= $(HOME)/.cache/aifactory-lab

# Extra pytest arguments, e.g. `make unit PYTEST_ARGS="-k redfish -x"` or `PYTEST_ARGS=-n2`.
PYTEST_ARGS ?=

.PHONY: help venv collection demo lab-up lab-down lab-status test unit integration sanity lint clean distclean

help:
	@echo "make venv         create or refresh .venv (Python 3.11, requirements-dev.txt)"
	@echo "make collection   build the Galaxy artifact and install it into .build/demo-collections"
	@echo "make demo         lab up, playbooks/site.yml against inventories/lab, report summary, lab down"
	@echo "make test         unit, integration, sanity, lint; stops at the first failing group"
	@echo "make unit | integration | sanity | lint    one group"
	@echo "make lab-up | lab-down | lab-status        the local lab emulators"
	@echo "make clean        remove .build and test output; make distclean also removes .venv"

venv:
	@scripts/bootstrap-venv.sh

collection: venv
	@scripts/install-collection.sh

demo: venv collection
	@scripts/run-demo.sh

lab-up: venv
	python -m lab up

lab-down: venv
	python -m lab down

lab-status: venv
	python -m lab status

test: venv
	@scripts/run-tests.sh unit integration sanity lint

unit: venv
	@scripts/run-pytest.sh unit tests/unit $(PYTEST_ARGS)

integration: venv
	@scripts/install-test-packages.sh
	@scripts/run-pytest.sh integration tests/integration $(PYTEST_ARGS)

sanity: venv
	@scripts/run-sanity.sh

lint: venv
	ansible-lint $(if $(CI),--nocolor)
	yamllint --strict .
	antsibull-changelog lint

clean:
	rm -rf .build tests/output .pytest_cache

distclean: clean
	rm -rf .venv

#!/usr/bin/env bash
# make check-deploy: lint the deployment files. Runs every check, then fails if any failed.
# The checkers live in .venv-tools, reinstalled only when requirements-tools.txt changes.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TOOLS=${TOOLS_VENV:-.venv-tools}
BIN=$TOOLS/bin
STAMP=$TOOLS/.requirements-tools.sha256
wanted=$(sha256sum requirements-tools.txt | cut -d ' ' -f 1)

if [[ ! -x $BIN/python || ! -f $STAMP || $(cat "$STAMP") != "$wanted" ]]; then
  echo "==> Installing the pinned checkers in $TOOLS (requirements-tools.txt is new or changed)"
  rm -rf "$TOOLS"
  "$PYTHON" -m venv "$TOOLS"
  "$BIN/pip" install --quiet --disable-pip-version-check -r requirements-tools.txt
  echo "$wanted" > "$STAMP"
fi

failed=()
check() {
  local name=$1
  shift
  echo "==> $name"
  if "$@"; then
    echo "    ok"
  else
    echo "    FAILED: $name"
    failed+=("$name")
  fi
}

# The boot script as Terraform renders it, for shellcheck: directive lines (%{ if }, %{ endif })
# removed with both branches kept, each ${variable} (not an escaped $${...}) a placeholder.
render_user_data() {
  sed -E -e '/^[[:space:]]*%\{[^}]*\}[[:space:]]*$/d' \
    -e 's/(^|[^$])\$\{ *([a-z_][a-z0-9_]*) *\}/\1placeholder-\2/g' terraform/user_data.sh.tftpl |
    "$BIN/shellcheck" --shell=bash -
}

# checkov never reaches its platform: no download of guidelines or external modules.
export BC_SKIP_MAPPING=TRUE

check "hadolint: Dockerfile" "$BIN/hadolint" Dockerfile
check "checkov: Dockerfile" "$BIN/checkov" --file Dockerfile --framework dockerfile --quiet --compact --skip-download
check "check-jsonschema: docker-compose.yml against the Compose specification" \
  "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml
# What no linter checks (compose dependencies, Terraform parse and layout, exposure): tests that
# make test runs too. The confcutdir keeps out tests/conftest.py, which needs the app's packages.
check "tests/deploy: compose consistency, Terraform parse and fmt layout, exposure" \
  "$BIN/python" -m pytest -q -p no:cacheprovider --confcutdir=tests/deploy tests/deploy
check "checkov: terraform/ (skips: terraform/.checkov.yaml)" \
  "$BIN/checkov" --directory terraform --config-file terraform/.checkov.yaml
check "shellcheck: boot script (terraform/user_data.sh.tftpl, rendered)" render_user_data
check "shellcheck: scripts/check_deploy.sh, .ci/run" "$BIN/shellcheck" scripts/check_deploy.sh .ci/run
check "actionlint: .github/workflows" "$BIN/actionlint" -shellcheck "$BIN/shellcheck" -pyflakes ""

if ((${#failed[@]})); then
  printf 'check-deploy: %d check(s) failed: %s\n' "${#failed[@]}" "$(IFS=,; echo "${failed[*]}")"
  exit 1
fi
echo "check-deploy: all checks passed"

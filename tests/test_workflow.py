"""The GitHub Pages workflow is valid and passes the Pages base URL to the build."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pages.yml"

# What actions/configure-pages reports for a project site: no trailing slash.
SAMPLE_PAGES_BASE_URL = "https://user.github.io/newsdigest"


def validate_workflow(path):
    """Check a workflow file against GitHub's workflow JSON schema (vendored in check-jsonschema)."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema",
         "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True, timeout=120,
    )


def load_workflow(path=WORKFLOW):
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the bare key `on` as the boolean True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def step_using(job, action):
    """The one step of `job` that uses `action` (any version)."""
    steps = [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]
    assert len(steps) == 1, f"expected one step using {action}, found {len(steps)}"
    return steps[0]


def undefined_step_references(job):
    """Step ids that `${{ steps.ID... }}` expressions in `job` name but no step defines."""
    defined = {step["id"] for step in job["steps"] if "id" in step}
    referenced = set(re.findall(r"\bsteps\.([A-Za-z_][\w-]*)", yaml.safe_dump(job)))
    return referenced - defined


def test_workflow_matches_github_schema():
    result = validate_workflow(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "pages.yml"
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "pages: write" in text
    broken.write_text(text.replace("pages: write", "pages: publish"), encoding="utf-8")
    result = validate_workflow(broken)
    assert result.returncode != 0
    assert "publish" in result.stdout + result.stderr


def test_runs_on_push_to_main_and_by_hand():
    triggers = load_workflow()["on"]
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers


def test_has_the_permissions_pages_deployment_needs():
    permissions = load_workflow()["permissions"]
    assert permissions == {"contents": "read", "pages": "write", "id-token": "write"}


def test_build_job_configures_pages_and_uploads_site_dir():
    build = load_workflow()["jobs"]["build"]
    assert step_using(build, "actions/configure-pages")["id"] == "pages"
    assert step_using(build, "actions/upload-pages-artifact")["with"]["path"] == "site"
    assert undefined_step_references(build) == set()


def test_deploy_job_deploys_after_build_to_github_pages_environment():
    jobs = load_workflow()["jobs"]
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    deployment_step = step_using(deploy, "actions/deploy-pages")
    assert deployment_step["id"] == "deployment"
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    assert undefined_step_references(deploy) == set()


def test_undefined_step_reference_is_detected():
    build = load_workflow()["jobs"]["build"]
    build["steps"].append({"run": "echo ${{ steps.nosuchstep.outputs.x }}"})
    assert undefined_step_references(build) == {"nosuchstep"}


def test_build_step_passes_pages_base_url_with_trailing_slash_to_build_py():
    """Run the workflow's build step as make would in CI, but dry (make -n)."""
    build = load_workflow()["jobs"]["build"]
    [build_step] = [s for s in build["steps"] if "make site" in s.get("run", "")]
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    for name, value in build_step.get("env", {}).items():
        env[name] = value.replace("${{ steps.pages.outputs.base_url }}", SAMPLE_PAGES_BASE_URL)
    env["MAKEFLAGS"] = "n"  # print the commands, run none
    result = subprocess.run(["bash", "-c", build_step["run"]], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    build_commands = [line for line in result.stdout.splitlines() if "build.py" in line]
    assert build_commands == [
        f'.venv/bin/python build.py --base-url "{SAMPLE_PAGES_BASE_URL}/"'
    ]


def test_deploy_job_pings_the_websub_hub_after_deploying():
    jobs = load_workflow()["jobs"]
    build, deploy = jobs["build"], jobs["deploy"]
    assert build["outputs"]["base_url"] == "${{ steps.pages.outputs.base_url }}"
    steps = deploy["steps"]
    names = [s.get("uses", "").split("@")[0] or s.get("run", "") for s in steps]
    deployed = names.index("actions/deploy-pages")
    [ping] = [n for n, s in enumerate(steps) if "build.py ping" in s.get("run", "")]
    [cache] = [n for n, s in enumerate(steps) if s.get("uses", "").startswith("actions/cache@")]
    [rebuild] = [n for n, s in enumerate(steps) if "make site" in s.get("run", "")]
    assert deployed < cache < rebuild < ping  # the hub is told only once the new feeds are live
    assert steps[cache]["with"]["path"] == ".cache/websub.json"  # what the last ping sent
    for n in (rebuild, ping):
        assert steps[n]["env"]["BASE_URL"] == "${{ needs.build.outputs.base_url }}/"
    assert undefined_step_references(deploy) == set()


def test_ping_step_runs_and_does_nothing_without_a_hub():
    """The step as CI runs it, on this repo's config (no websub_hub): status 0, one line."""
    deploy = load_workflow()["jobs"]["deploy"]
    [step] = [s for s in deploy["steps"] if "build.py ping" in s.get("run", "")]
    env = dict(os.environ, BASE_URL=SAMPLE_PAGES_BASE_URL + "/")
    result = subprocess.run(["bash", "-c", step["run"].replace(".venv/bin/python", sys.executable)], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "websub_hub is not set in config.yaml: nothing to ping\n", "")

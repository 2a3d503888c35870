"""The public solve() API: markers, extras, Requires-Python, pre-releases,
yanked releases, constraints, preferences, and deep graphs."""

from __future__ import annotations

import pytest

from compatlib import Index, InputError, Target, UnsatisfiableError, solve
from compatlib.sources.memory import Artifact
from compatlib.sources.memory import IndexRelease as R

PY312 = Target(python="3.12", platform="linux-64")


def versions(res: object) -> dict[str, str]:
    return {n: str(v) for n, v in res.versions.items()}  # type: ignore[attr-defined]


def test_newest_and_lowest() -> None:
    idx = Index(
        {"a": [R("1.0", ("b>=1",)), R("2.0", ("b>=2",))], "b": [R("1.0"), R("2.0"), R("3.0")]}
    )
    assert versions(solve(["a"], index=idx, target=PY312)) == {"a": "2.0", "b": "3.0"}
    assert versions(solve(["a"], index=idx, target=PY312, strategy="lowest")) == {
        "a": "1.0",
        "b": "1.0",
    }


def test_prefer_locked_keeps_versions_that_fit() -> None:
    idx = Index({"a": [R("1.0", ("b",)), R("2.0", ("b>=2",))], "b": [R("1.0"), R("2.0"), R("3.0")]})
    res = solve(["a"], index=idx, target=PY312, prefer={"a": "2.0", "b": "2.0"})
    assert versions(res) == {"a": "2.0", "b": "2.0"}
    # a preference that no longer fits is dropped, the rest is kept
    res = solve(["a", "b>=3"], index=idx, target=PY312, prefer={"a": "2.0", "b": "2.0"})
    assert versions(res) == {"a": "2.0", "b": "3.0"}


def test_markers_are_evaluated_for_the_target_not_the_host() -> None:
    idx = Index(
        {
            "a": [R("1.0", ('winonly; sys_platform == "win32"', 'old; python_version < "3.10"'))],
            "winonly": [R("1.0")],
            "old": [R("1.0")],
        }
    )
    assert versions(solve(["a"], index=idx, target=PY312)) == {"a": "1.0"}
    win39 = Target(python="3.9", platform="win-64")
    assert versions(solve(["a"], index=idx, target=win39)) == {
        "a": "1.0",
        "old": "1.0",
        "winonly": "1.0",
    }
    # root requirements' markers too
    assert versions(solve(['a; sys_platform == "darwin"', "old"], index=idx, target=PY312)) == {
        "old": "1.0"
    }


def test_extras_are_proxies_pinned_to_the_base() -> None:
    idx = Index(
        {
            "a": [
                R("1.0", ('b; extra == "fast"',), extras=("fast",)),
                R("2.0", ('b>=2; extra == "fast"',), extras=("fast",)),
            ],
            "b": [R("1.0"), R("3.0", ("a<2",))],
        }
    )
    res = solve(["a[fast]"], index=idx, target=PY312)
    assert versions(res) == {"a": "1.0", "b": "3.0"}
    assert res.extras == {"a": ("fast",)}
    assert versions(solve(["a"], index=idx, target=PY312)) == {"a": "2.0"}


def test_requires_python_is_a_dependency_on_the_target_python() -> None:
    idx = Index({"a": [R("1.0", requires_python=">=3.8"), R("2.0", requires_python=">=3.13")]})
    res = solve(["a"], index=idx, target=PY312)
    assert versions(res) == {"a": "1.0"}
    assert res.system == {"python": "3.12"}
    with pytest.raises(UnsatisfiableError) as info:
        solve(["a>=2"], index=idx, target=PY312)
    assert "the target's Python is 3.12" in info.value.explanation.text


def test_prereleases_stable_first_then_if_needed() -> None:
    idx = Index({"a": [R("1.0"), R("2.0a1")], "b": [R("1.0", ("a>=2.0a1",))], "c": [R("1.0b1")]})
    assert versions(solve(["a"], index=idx, target=PY312)) == {"a": "1.0"}
    assert versions(solve(["b"], index=idx, target=PY312)) == {"a": "2.0a1", "b": "1.0"}
    assert versions(solve(["c"], index=idx, target=PY312)) == {"c": "1.0b1"}
    assert versions(solve(["a"], index=idx, target=PY312, prereleases=True)) == {"a": "2.0a1"}


def test_yanked_only_when_pinned_exactly() -> None:
    idx = Index({"a": [R("1.0"), R("2.0", yanked=True)]})
    assert versions(solve(["a"], index=idx, target=PY312)) == {"a": "1.0"}
    assert versions(solve(["a==2.0"], index=idx, target=PY312)) == {"a": "2.0"}
    with pytest.raises(UnsatisfiableError) as info:
        solve(["a>1"], index=idx, target=PY312)
    assert info.value.explanation.hints == (
        "a 2.0 is yanked; pin one exactly (for example a==2.0) to use it anyway",
    )
    assert "Hints:" in info.value.explanation.report


def test_constraints_apply_only_when_present() -> None:
    idx = Index({"a": [R("1.0"), R("2.0", ("b",))], "b": [R("1.0"), R("2.0")], "c": [R("1.0")]})
    res = solve(["a"], index=idx, target=PY312, constraints=["b<2", "c>5"])
    assert versions(res) == {"a": "2.0", "b": "1.0"}
    with pytest.raises(UnsatisfiableError) as info:
        solve(["c"], index=idx, target=PY312, constraints=["c>5"])
    assert "your constraints limit c to >5" in info.value.explanation.text


def test_system_packages_with_fixed_versions() -> None:
    # virtual packages are ordinary packages with one version: e.g. a driver
    idx = Index(
        {"torch": [R("2.0", ("driver>=450",)), R("2.3", ("driver>=525",))], "driver": [R("470.82")]}
    )
    assert versions(solve(["torch"], index=idx, target=PY312)) == {
        "driver": "470.82",
        "torch": "2.0",
    }


def test_dependency_graph() -> None:
    idx = Index({"a": [R("1.0", ("b", "c"))], "b": [R("1.0", ("c",))], "c": [R("1.0")]})
    res = solve(["a"], index=idx, target=PY312)
    assert res.requirements_of(None) == [("a", "a")]
    assert res.dependents_of("c") == ["a", "b"]
    g = res.graph()
    assert sorted(g.successors("a")) == ["b", "c"]
    assert res.to_dict()["versions"] == {"a": "1.0", "b": "1.0", "c": "1.0"}


def test_deep_chain_has_no_recursion_limit() -> None:
    n = 5000
    idx = Index({f"p{i}": [R("1.0", (f"p{i + 1}",) if i < n - 1 else ())] for i in range(n)})
    assert len(solve(["p0"], index=idx, target=PY312)) == n
    bad = Index(
        {f"p{i}": [R("1.0", (f"p{i + 1}",) if i < n - 1 else ("p0>=2",))] for i in range(n)}
    )
    with pytest.raises(UnsatisfiableError) as info:
        solve(["p0"], index=bad, target=PY312)
    assert info.value.explanation.text.endswith("the request cannot be satisfied.")


def test_bad_requirement_is_an_input_error() -> None:
    with pytest.raises(InputError, match="invalid requirement 'a>>1'"):
        solve(["a>>1"], index=Index({}), target=PY312)


def test_target_validation() -> None:
    with pytest.raises(InputError, match="unknown platform"):
        Target(python="3.12", platform="linux-65")
    with pytest.raises(InputError, match="invalid Python version"):
        Target(python="three")
    env = Target(python="3.11.4", platform="osx-arm64").marker_environment()
    assert env["python_full_version"] == "3.11.4"
    assert env["platform_machine"] == "arm64"
    assert env["sys_platform"] == "darwin"


def test_no_binary_and_no_build_policies() -> None:

    idx = Index(
        {
            "a": [R("1.0", artifacts=(Artifact("a-1.0-py3-none-any.whl"),))],
            "b": [R("1.0", artifacts=(Artifact("b-1.0.tar.gz"),))],
        }
    )
    assert versions(solve(["a", "b"], index=idx, target=PY312, no_build=["a"])) == {
        "a": "1.0",
        "b": "1.0",
    }
    with pytest.raises(UnsatisfiableError) as info:
        solve(["a"], index=idx, target=PY312, no_binary=[":all:"])
    assert "wheels are not allowed for it (no-binary)" in info.value.explanation.text
    with pytest.raises(UnsatisfiableError) as info:
        solve(["b"], index=idx, target=PY312, no_build=["b"])
    assert "nor may it be built from source (no-build)" in info.value.explanation.text


def test_why_a_package_is_there() -> None:
    idx = Index(
        {"a": [R("1.0", ("b>=1",))], "b": [R("2.0", ("c",))], "c": [R("3.0")], "d": [R("1.0")]}
    )
    res = solve(["a", "d"], index=idx, target=PY312)
    assert res.why("c") == ["you require a", "a 1.0 depends on b>=1", "b 2.0 depends on c"]
    assert res.why("d") == ["you require d"]
    assert res.why("zzz") == []


def test_release_constrains_apply_only_when_present() -> None:
    idx = Index(
        {
            "a": [R("1.0", constrains=("b<2",))],
            "b": [R("1.0"), R("2.0")],
            "c": [R("1.0", ("b",))],
        }
    )
    assert versions(solve(["a"], index=idx, target=PY312)) == {"a": "1.0"}
    assert versions(solve(["a", "c"], index=idx, target=PY312)) == {
        "a": "1.0",
        "b": "1.0",
        "c": "1.0",
    }
    with pytest.raises(UnsatisfiableError) as info:
        solve(["a", "b>=2"], index=idx, target=PY312)
    assert "a 1.0 limits b to <2" in info.value.explanation.text


def test_unknown_name_gets_did_you_mean() -> None:
    idx = Index(
        {
            "transformers": [R("4.0", (), None, False)],
            "torch": [R("2.0", (), None, False)],
        }
    )
    with pytest.raises(UnsatisfiableError) as info:
        solve(["tranformers", "torch"], index=idx, target=Target(python="3.12"))
    hints = info.value.explanation.hints
    assert "there is no package tranformers; did you mean transformers?" in hints
    assert "did you mean transformers?" in str(info.value)


def test_no_did_you_mean_without_a_close_name() -> None:
    idx = Index({"torch": [R("2.0", (), None, False)]})
    with pytest.raises(UnsatisfiableError) as info:
        solve(["numpy"], index=idx, target=Target(python="3.12"))
    assert not any("did you mean" in h for h in info.value.explanation.hints)


@pytest.mark.parametrize(
    ("wheel", "said"),
    [
        ("a-1.0-cp312-cp312-macosx_11_0_arm64.whl", "wrong platform: macosx_11_0_arm64 found"),
        ("a-1.0-cp27-cp27mu-manylinux1_x86_64.whl", "wrong Python: cp27 found, cp312 expected"),
        ("a-1.0-py3-graalpy240_310_native-any.whl", "wrong ABI: graalpy240_310_native found"),
    ],
)
def test_wheel_mismatch_is_broken_down(wheel: str, said: str) -> None:
    idx = Index({"a": [R("1.0", artifacts=(Artifact(wheel),))]})
    target = Target(python="3.12", platform="linux-64")
    with pytest.raises(UnsatisfiableError) as info:
        solve(["a"], index=idx, target=target)
    assert said in info.value.explanation.text


def test_a_cpu_build_offered_as_a_fix_is_called_one() -> None:
    from compatlib.resolve.fixes import VariantFix

    cpu = VariantFix("torch==2.4.1+cu124", "torch", "2.4.1", "cpu")
    assert cpu.text == (
        "use the CPU-only build of torch 2.4.1 (torch==2.4.1+cpu); it does not use the GPU"
    )
    cuda = VariantFix("torch==2.4.1+cu124", "torch", "2.4.1", "cu118")
    assert cuda.text == "use the cu118 build of torch 2.4.1 (torch==2.4.1+cu118)"

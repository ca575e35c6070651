"""mkctl prints objects without metadata.managedFields unless asked, as kubectl does."""

from __future__ import annotations

from minik8s.ctl import printers
from tests.unit.ctl.fake_client import FakeClient, run

MANAGED = [{"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1"}]


def test_printers_hide_managed_fields_of_objects_and_list_items() -> None:
    obj = {"kind": "ConfigMap", "metadata": {"name": "a", "managedFields": MANAGED}}
    listed = {"kind": "List", "items": [obj]}
    assert "managedFields" not in printers.to_yaml(obj)
    assert "managedFields" not in printers.to_json(listed)
    assert "managedFields" in printers.to_yaml(obj, show_managed_fields=True)
    assert obj["metadata"]["managedFields"] == MANAGED  # the input is left alone


def test_get_shows_them_with_the_flag() -> None:
    fake = FakeClient(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "default", "managedFields": MANAGED},
        }
    )
    code, out, _ = run(fake, "get", "configmap", "a", "-o", "yaml")
    assert code == 0 and "managedFields" not in out and "name: a" in out
    code, out, _ = run(fake, "get", "configmap", "a", "-o", "yaml", "--show-managed-fields")
    assert code == 0 and "manager: kubectl" in out

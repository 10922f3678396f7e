"""``client.dataframe``: the same record operations with pandas frames in and out, checked in the emulator's store."""

from __future__ import annotations

import pandas as pd
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.models import col

from devstack.dataverse_emulator import DataverseEmulator


def test_a_query_comes_back_as_one_frame_across_pages(client: DataverseClient, emulator: DataverseEmulator) -> None:
    for n in range(5):
        emulator.store.insert("account", {"name": f"Frame {n}", "telephone1": f"555-010{n}"})

    frame = (client.query.builder("account").select("name", "telephone1").where(col("name").startswith("Frame"))
             .order_by("name", descending=True).page_size(2).execute().to_dataframe())

    assert list(frame["name"]) == [f"Frame {n}" for n in reversed(range(5))]
    assert list(frame["telephone1"]) == [f"555-010{n}" for n in reversed(range(5))]


def test_frames_create_update_and_delete_records(client: DataverseClient, emulator: DataverseEmulator) -> None:
    ids = client.dataframe.create("account", pd.DataFrame([{"name": "Row A"}, {"name": "Row B"}]))
    client.dataframe.update("account", pd.DataFrame({"accountid": list(ids), "telephone1": ["1", "2"]}),
                            id_column="accountid")

    assert [(emulator.store.get("account", i) or {}).get("telephone1") for i in ids] == ["1", "2"]
    client.dataframe.delete("account", ids)
    assert all(emulator.store.get("account", i) is None for i in ids)

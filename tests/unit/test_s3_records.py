"""The bounded record of a table folder, and the comparison the S3 proof makes with it."""

from __future__ import annotations

import json

from dms_deploy.apply.s3_guard import (
    SMALL_FOLDER,
    XCOM_BUDGET,
    compare_folder,
    folder_record,
    within_budget,
)

PREFIX = "dms/data/db__public__orders__v202401010000/"
EARLY, LATER = "2026-01-01T00:00:00+00:00", "2026-01-01T00:05:00+00:00"


def name(n: int) -> str:
    return f"cdc-{n:05d}.csv"


def cdc_files(count: int, modified: str = EARLY) -> dict[str, list[str]]:
    return {name(n): [f'"etag{n}"', modified] for n in range(count)}


def test_a_small_folder_is_recorded_key_by_key_a_large_one_as_a_digest():
    small = folder_record(cdc_files(SMALL_FOLDER))
    assert len(small["objects"]) == SMALL_FOLDER
    large = folder_record(cdc_files(SMALL_FOLDER + 1))
    assert "objects" not in large
    assert large["count"] == SMALL_FOLDER + 1 and large["newest"] == EARLY
    assert len(json.dumps(folder_record(cdc_files(100_000)))) < 200


def test_new_cdc_files_in_a_large_folder_are_new_not_a_change():
    before = cdc_files(1_000)
    after = {**before, "cdc-99999.csv": ['"fresh"', LATER]}
    assert compare_folder(PREFIX, folder_record(before), after) == (1_000, 1, [])


def test_an_overwrite_in_a_large_folder_is_caught_and_named():
    before = cdc_files(1_000)
    overwritten = {**before, name(500): ['"other"', LATER]}
    unchanged, new, problems = compare_folder(PREFIX, folder_record(before), overwritten)
    assert (unchanged, new) == (0, 1)  # the rewritten object is newer than the record
    assert len(problems) == 1 and PREFIX in problems[0]
    assert "overwritten or removed" in problems[0]
    assert name(500) in problems[0]  # the object modified since the record


def test_an_overwrite_in_the_same_second_with_other_content_is_caught():
    before = cdc_files(30)
    same_second = {**before, name(7): ['"other"', EARLY]}
    assert compare_folder(PREFIX, folder_record(before), same_second)[2]


def test_a_removal_in_a_large_folder_is_caught():
    before = cdc_files(30)
    after = dict(before)
    del after[name(3)]
    assert compare_folder(PREFIX, folder_record(before), after)[2]


def test_a_small_folder_names_what_was_overwritten_or_vanished():
    before = cdc_files(3)
    after = {
        name(0): ['"other"', LATER],
        name(1): before[name(1)],
    }
    _, _, problems = compare_folder(PREFIX, folder_record(before), after)
    assert problems == [
        f"{PREFIX}{name(0)} was overwritten (ETag/LastModified "
        f"{before[name(0)]} -> {after[name(0)]})",
        f"{PREFIX}{name(2)} vanished",
    ]


def test_a_new_load_file_in_a_folder_that_held_data_is_caught_whatever_its_size():
    for count in (3, 300):
        before = cdc_files(count)
        after = {**before, "LOAD00000001.csv": ['"load"', LATER]}
        _, _, problems = compare_folder(PREFIX, folder_record(before), after)
        assert problems == [
            f"{PREFIX}LOAD00000001.csv is a new full-load file in a folder that already held data"
        ]
    assert compare_folder(PREFIX, folder_record({}), {"LOAD00000001.csv": ['"l"', LATER]}) == (
        0,
        1,
        [],
    )


def test_records_of_many_small_folders_fall_back_to_digests_under_the_budget():
    records = {
        f"dms/data/db__public__t{n:04d}__v202401010000/": folder_record(cdc_files(25))
        for n in range(200)
    }
    assert len(json.dumps(records)) > XCOM_BUDGET
    bounded = within_budget(records)
    assert len(json.dumps(bounded)) <= XCOM_BUDGET
    assert all("objects" not in r for r in bounded.values())
    before = cdc_files(25)
    overwritten = {**before, name(1): ['"other"', LATER]}
    prefix = next(iter(bounded))
    assert compare_folder(prefix, bounded[prefix], overwritten)[2]

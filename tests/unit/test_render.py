"""Response bodies: compact UTF-8 JSON, and XML shaped like ECS's."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ecsim.api.render import JSON_CONTENT_TYPE, XML_CONTENT_TYPE, render_json, render_xml


def test_content_types() -> None:
    assert JSON_CONTENT_TYPE == "application/json;charset=utf-8"
    # tea-openapi parses an XML error only with exactly this content type
    assert XML_CONTENT_TYPE == "text/xml;charset=utf-8"


def test_json_is_compact_utf8_in_key_order() -> None:
    body = {"RequestId": "R", "LocalName": "华东1（杭州）", "Count": 2, "Ok": True, "None": None}
    raw = render_json(body)
    assert (
        raw
        == (
            '{"RequestId":"R","LocalName":"华东1（杭州）","Count":2,"Ok":true,"None":null}'
        ).encode()
    )
    assert json.loads(raw) == body


def test_json_escapes_control_characters() -> None:
    raw = render_json({"Description": 'a"b\\c\n\x01'})
    assert json.loads(raw) == {"Description": 'a"b\\c\n\x01'}
    assert b"\n" not in raw


def test_xml_success_root_and_list_repetition() -> None:
    body = {
        "RequestId": "R",
        "Regions": {"Region": [{"RegionId": "cn-hangzhou"}, {"RegionId": "cn-beijing"}]},
        "TotalCount": 2,
    }
    raw = render_xml("DescribeRegionsResponse", body)
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?><DescribeRegionsResponse>')
    root = ET.fromstring(raw)
    assert root.tag == "DescribeRegionsResponse"
    regions = root.findall("./Regions/Region/RegionId")
    assert [r.text for r in regions] == ["cn-hangzhou", "cn-beijing"]
    assert root.findtext("TotalCount") == "2"


def test_xml_list_of_scalars_repeats_the_element() -> None:
    raw = render_xml("R", {"InstanceIdSets": {"InstanceIdSet": ["i-1", "i-2"]}})
    assert b"<InstanceIdSets><InstanceIdSet>i-1</InstanceIdSet><InstanceIdSet>i-2" in raw


def test_xml_empty_list_leaves_no_element() -> None:
    raw = render_xml("R", {"Regions": {"Region": []}})
    assert b"<Regions></Regions>" in raw


def test_xml_escapes_markup() -> None:
    raw = render_xml("R", {"Description": "<a href='x'>&amp;</a>"})
    assert ET.fromstring(raw).findtext("Description") == "<a href='x'>&amp;</a>"
    assert b"<a " not in raw


def test_xml_replaces_characters_xml_cannot_carry() -> None:
    raw = render_xml("R", {"Description": "a\x01b\x1fc\ttab"})
    assert ET.fromstring(raw).findtext("Description") == "a\ufffdb\ufffdc\ttab"


def test_xml_booleans_numbers_and_none() -> None:
    root = ET.fromstring(render_xml("R", {"T": True, "F": False, "N": 3, "X": 1.5, "Z": None}))
    assert [root.findtext(k) for k in ("T", "F", "N", "X")] == ["true", "false", "3", "1.5"]
    assert root.find("Z") is not None and not root.findtext("Z")


def test_xml_utf8() -> None:
    raw = render_xml("R", {"LocalName": "華東 1 (杭州)"})
    assert "華東 1 (杭州)".encode() in raw
    assert ET.fromstring(raw).findtext("LocalName") == "華東 1 (杭州)"


def test_xml_error_root() -> None:
    body = {"RequestId": "R", "HostId": "ecs.aliyuncs.com", "Code": "C", "Message": "M"}
    root = ET.fromstring(render_xml("Error", body))
    assert root.tag == "Error"
    assert {child.tag: child.text for child in root} == body

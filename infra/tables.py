"""The DynamoDB tables, as CloudFormation properties, read from the storage package's models
(`chalicelib/storage/schema.py`): keys, indexes, streams and TTL have one source of truth."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model


def logical_id(model: type[Model]) -> str:
    """`clicks` -> `ClicksTable`, `month_closes` -> `MonthClosesTable`."""
    return "".join(part.capitalize() for part in model.Meta.concept.split("_")) + "Table"


def ttl_attribute(model: type[Model]) -> str | None:
    names = [attribute.attr_name for attribute in model.get_attributes().values()
             if isinstance(attribute, TTLAttribute)]
    if len(names) > 1:
        raise ValueError(f"{model.__name__} declares more than one TTL attribute: {names}")
    return names[0] if names else None


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    # DynamoDB wants the partition (HASH) key first.
    ordered = sorted(keys, key=lambda key: 0 if key["KeyType"] == "HASH" else 1)
    return [{"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]} for key in ordered]


def table_properties(model: type[Model], table_name: str) -> dict[str, Any]:
    """The model's key schema, indexes, stream and TTL, as `AWS::DynamoDB::Table` properties
    (billing, recovery, encryption and protection are the stack's)."""
    schema = model._get_schema()
    definitions = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    properties: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(schema["key_schema"]),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(definitions.items())],
    }
    indexes = []
    for index in schema["global_secondary_indexes"]:
        projection = {"ProjectionType": index["projection"]["ProjectionType"]}
        if index["projection"].get("NonKeyAttributes"):
            projection["NonKeyAttributes"] = list(index["projection"]["NonKeyAttributes"])
        indexes.append(
            {"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]), "Projection": projection}
        )
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    if schema["local_secondary_indexes"]:
        raise ValueError(f"{model.__name__}: local secondary indexes are not provisioned by this stack")
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        properties["StreamSpecification"] = {"StreamViewType": stream}
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return properties

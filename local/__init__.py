"""The local run: the whole API on one machine, with an embedded moto server
standing in for DynamoDB, DynamoDB Streams and SQS (see `run.py`)."""

"""In-memory twins of the stores in `chalicelib/storage/`: same contract, no DynamoDB.

Fast unit tests put them in place with `storage.seam.replaced(...)`; the contract
tests in `tests/contract/` run the same cases on a twin and on its DynamoDB store (moto).
A twin keeps DynamoDB's promises that the domain relies on (conditional creates,
conditional updates, the order of listings), not its costs."""

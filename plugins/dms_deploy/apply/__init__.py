"""Execute one plan step against AWS: pause, deploy a change set, wait, resume, verify.

Every function takes boto3-compatible clients (the amazon provider hooks' `.conn`), so the
CLI, the operators and the tests run the same code.
"""

"""Adapters for the messengers Chinese companies work in: WeCom, DingTalk and Feishu, each with an
app message to one member and a group robot, as their public APIs specify."""

"""Thin adapters at the edge: checking a live environment against a lock, and a lock as an Azure ML environment asset."""

"""Locks: one model, many renderings."""

from compatlib.lock.model import LOCK_VERSION, Lock, LockedPackage

__all__ = ["LOCK_VERSION", "Lock", "LockedPackage"]

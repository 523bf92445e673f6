"""Version history of articles, nutrients and references: recording, comparing, restoring."""

from .recording import current_origin, history_note, history_origin, history_origin_for, register_models

__all__ = ["current_origin", "history_note", "history_origin", "history_origin_for", "register_models"]

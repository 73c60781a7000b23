"""Watermark layers placed on every export, and what ``trace`` needs to find them again."""

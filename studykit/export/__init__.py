"""Exporters: each reads a :class:`~studykit.model.QuestionSet` and writes one kind of output."""

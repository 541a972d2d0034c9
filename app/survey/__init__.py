"""Questionnaires (问卷): built by organisers, answered by members and villagers, counted with a
minimum group size so nobody is identified. See docs/survey.md."""

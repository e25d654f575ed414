"""Test module ``loyalty``: one table pointing at contacts, and the cross-module hooks for it."""

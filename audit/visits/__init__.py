"""A visit's life: the only code that writes visits, answers, scores, photos and their log."""

"""Task classification: classifier, rules, text features."""

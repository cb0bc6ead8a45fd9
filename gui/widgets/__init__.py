"""Small reusable widgets: digit images, probability bars, number fields."""

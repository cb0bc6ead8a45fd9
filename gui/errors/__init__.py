"""The Worst errors tab: the test set by loss, the confusion matrix, one sample in detail, and the
guessing game.
"""

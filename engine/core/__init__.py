"""The lab's mathematics: elementary functions, activations, initializations, the MLP with hand-
written backpropagation, and the update rules.
"""

"""The Draw tab: a canvas whose drawing goes through the dataset's pipeline to the network."""

"""The lab's data: the 8x8 digits split and the pipeline from a drawing to an 8x8 digit."""

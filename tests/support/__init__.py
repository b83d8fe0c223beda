"""Helpers of the test suite: servers, clocks and clients the tests share."""

"""The bundled demo: a checkout service and the two tests that tell horde's story.

``shop`` serves products, carts, coupons and checkout; ``story`` holds a single-endpoint test
that passes and a realistic journey test that fails against it.
"""

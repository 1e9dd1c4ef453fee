/* Python extras, included last. */

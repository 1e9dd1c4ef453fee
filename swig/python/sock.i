/* Python typemaps for the sock area (owned by the Python binding). */

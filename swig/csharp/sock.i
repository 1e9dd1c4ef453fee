/* C# typemaps for the sock area (owned by the C# binding). */

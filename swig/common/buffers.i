/* libipc SWIG — shared typemaps: buffers. */

#if defined(SWIGPYTHON)
/* (Python section) */
#elif defined(SWIGCSHARP)
/* (C# section) */
#endif

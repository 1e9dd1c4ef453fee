/* libipc SWIG — shared typemaps: handles. */

#if defined(SWIGPYTHON)
/* (Python section) */
#elif defined(SWIGCSHARP)
/* (C# section) */
#endif

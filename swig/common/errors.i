/* libipc SWIG — shared typemaps: errors. */

#if defined(SWIGPYTHON)
/* (Python section) */
#elif defined(SWIGCSHARP)
/* (C# section) */
#endif

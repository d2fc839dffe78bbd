"""Face geometry shared by the sample generator and the tracker: the 68 iBUG landmark
scheme and a generic mean 3D face."""

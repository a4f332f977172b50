module github.com/heron-nsm/heron

go 1.26
